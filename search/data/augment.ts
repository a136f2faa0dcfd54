/**
 * Seeded augmentation, fused with normalisation: each output pixel is read once from the
 * uint8 source through the crop/flip mapping and written as a normalised float. Order as
 * in torchvision/DARTS: pad-and-crop, then horizontal flip, then normalise, then cutout
 * (which zeroes a square of the normalised image, i.e. sets it to the mean).
 */
import type { Rng } from '../util/rng.ts';
import type { Shape } from './types.ts';

export interface AugmentConfig {
  /** Zero padding on each side before a random crop back to size; 0 disables. */
  cropPadding: number;
  /** Mirror left-right with probability 1/2. Wrong for digits and text. */
  flip: boolean;
  /** Side of the zeroed square (centre anywhere in the image, clipped at the edges); 0 disables. */
  cutout: number;
}

export const NO_AUGMENT: AugmentConfig = { cropPadding: 0, flip: false, cutout: 0 };

/** Per-image choices, drawn before writing so that tests can check the mapping itself. */
export interface AugmentParams { dy: number; dx: number; flip: boolean; cutoutY: number; cutoutX: number; cutout: number }

export const IDENTITY: AugmentParams = { dy: 0, dx: 0, flip: false, cutoutY: 0, cutoutX: 0, cutout: 0 };

export function sampleAugment(cfg: AugmentConfig, shape: Shape, rng: Rng): AugmentParams {
  const p = cfg.cropPadding;
  return {
    dy: p ? rng.int(2 * p + 1) - p : 0,
    dx: p ? rng.int(2 * p + 1) - p : 0,
    flip: cfg.flip && rng.next() < 0.5,
    cutoutY: cfg.cutout ? rng.int(shape[0]) : 0,
    cutoutX: cfg.cutout ? rng.int(shape[1]) : 0,
    cutout: cfg.cutout,
  };
}

/**
 * Writes image `src[srcOffset..]` (uint8 HWC) into `dst[dstOffset..]` as floats
 * ((v/255 - mean[c]) / std[c]) under `params`; pixels the crop brings in from the padding
 * are 0 before normalisation, as with zero padding.
 */
export function writeAugmented(
  src: Uint8Array, srcOffset: number, dst: Float32Array, dstOffset: number,
  shape: Shape, params: AugmentParams, mean: readonly number[], std: readonly number[],
): void {
  const [h, w, c] = shape;
  const scale = std.map((s) => 1 / (255 * s));
  const shift = mean.map((m, k) => -m / std[k]);
  for (let y = 0; y < h; y++) {
    const sy = y + params.dy;
    for (let x = 0; x < w; x++) {
      const sx = (params.flip ? w - 1 - x : x) + params.dx;
      const out = dstOffset + (y * w + x) * c;
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
      const at = srcOffset + (sy * w + sx) * c;
      for (let k = 0; k < c; k++) dst[out + k] = (inside ? src[at + k] : 0) * scale[k] + shift[k];
    }
  }
  if (params.cutout > 0) {
    const half = params.cutout >> 1;
    const y0 = Math.max(0, params.cutoutY - half), y1 = Math.min(h, params.cutoutY - half + params.cutout);
    const x0 = Math.max(0, params.cutoutX - half), x1 = Math.min(w, params.cutoutX - half + params.cutout);
    for (let y = y0; y < y1; y++) dst.fill(0, dstOffset + (y * w + x0) * c, dstOffset + (y * w + x1) * c);
  }
}
