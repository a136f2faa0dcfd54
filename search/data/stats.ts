import type { Split } from './types.ts';

/** Per-channel mean and standard deviation of a split's pixels, in [0,1] units. */
export function channelStats(split: Split, channels: number): { mean: number[]; std: number[] } {
  // Histograms instead of float sums: exact, and one integer add per pixel.
  const hist = Array.from({ length: channels }, () => new Float64Array(256));
  const { images } = split;
  hist.forEach((h, c) => { for (let i = c; i < images.length; i += channels) h[images[i]]++; });
  const mean: number[] = [];
  const std: number[] = [];
  for (const h of hist) {
    let n = 0, s = 0, s2 = 0;
    h.forEach((k, v) => { n += k; s += k * v; s2 += k * v * v; });
    const m = n ? s / n : 0;
    mean.push(m / 255);
    // A constant channel would divide by zero when normalising; 1 leaves it merely centred.
    const sd = n ? Math.sqrt(Math.max(0, s2 / n - m * m)) / 255 : 0;
    std.push(sd > 1e-6 ? sd : 1);
  }
  return { mean, std };
}
