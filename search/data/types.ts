import type { AugmentConfig } from './augment.ts';

/** Image shape as [height, width, channels]; images are stored NHWC. */
export type Shape = [h: number, w: number, c: number];

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** Images of one split: `images` holds `count` NHWC uint8 images back to back. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
  count: number;
}

/**
 * A data set ready for search and training. `val` is the architecture-validation split
 * (DARTS updates architecture weights on it; evolution scores candidates on it); `test` is
 * touched only for final reports. `mean`/`std` are per channel, in [0,1] pixel units, taken
 * from the full train split so that a subset normalises exactly like the whole set.
 */
export interface Dataset {
  name: string;
  shape: Shape;
  numClasses: number;
  classNames: string[];
  train: Split;
  val: Split;
  test: Split;
  mean: number[];
  std: number[];
  /** The augmentation that suits this data set (e.g. no flips for digits); a trainer may override it. */
  augment: AugmentConfig;
  /** How the splits were made, to record with a run. */
  provenance: { source: string; splitSeed: number; counts: Record<SplitName, number> };
}

/** All images of a source before splitting. */
export interface Pool {
  shape: Shape;
  numClasses: number;
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
  count: number;
}

export function imageSize(shape: Shape): number {
  return shape[0] * shape[1] * shape[2];
}
