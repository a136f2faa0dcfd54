/**
 * The constant tensors of Swin window attention at one resolution: the relative position bias
 * gathered from its table, and the mask of shifted windows. They are Swin's definitions (as
 * search/nn/attention.ts computes them at every forward); the export folds them into constants,
 * and the ONNX tests check them against the tfjs forward pass.
 */

/** Bias [heads, n, n] for a ws x ws window: table row (dy + W - 1) * (2W - 1) + (dx + W - 1), W the table's window size. */
export function relativeBias(table: Float32Array, heads: number, tableWindow: number, ws: number): Float32Array {
  const W = tableWindow;
  const n = ws * ws;
  const out = new Float32Array(heads * n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / ws) - Math.floor(j / ws);
      const dx = (i % ws) - (j % ws);
      const row = (dy + W - 1) * (2 * W - 1) + (dx + W - 1);
      for (let h = 0; h < heads; h++) out[h * n * n + i * n + j] = table[row * heads + h];
    }
  }
  return out;
}

/** Swin's mask for windows shifted by s on a padded hp x wp map: -100 between tokens of different regions, [nW, n, n]. */
export function shiftedWindowMask(hp: number, wp: number, ws: number, s: number): Float32Array {
  const region = (p: number, size: number): number => (p < size - ws ? 0 : p < size - s ? 1 : 2);
  const label = (y: number, x: number): number => region(y, hp) * 3 + region(x, wp);
  const n = ws * ws;
  const nh = hp / ws;
  const nw = wp / ws;
  const mask = new Float32Array(nh * nw * n * n);
  for (let wy = 0; wy < nh; wy++) {
    for (let wx = 0; wx < nw; wx++) {
      const base = (wy * nw + wx) * n * n;
      for (let i = 0; i < n; i++) {
        const li = label(wy * ws + Math.floor(i / ws), wx * ws + (i % ws));
        for (let j = 0; j < n; j++) {
          if (li !== label(wy * ws + Math.floor(j / ws), wx * ws + (j % ws))) mask[base + i * n + j] = -100;
        }
      }
    }
  }
  return mask;
}
