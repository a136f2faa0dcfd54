/**
 * Segmentation data: images with a class index per pixel. Masks are uint8, one byte per pixel
 * (HW, no channel axis); `ignoreLabel` marks pixels that neither the loss nor the metrics count.
 */
import type { Shape, SplitName } from '../types.ts';

/** `count` NHWC uint8 images and `count` HW uint8 masks, back to back. */
export interface SegSplit {
  images: Uint8Array;
  masks: Uint8Array;
  count: number;
}

export interface SegDataset {
  name: string;
  shape: Shape;
  /** Including background (class 0 for the built-in scenes). */
  numClasses: number;
  classNames: string[];
  /** Pixels with this label are skipped by loss and metrics (255 by convention). */
  ignoreLabel: number;
  train: SegSplit;
  val: SegSplit;
  test: SegSplit;
  /** Per channel, [0,1] pixel units, from the train split. */
  mean: number[];
  std: number[];
  provenance: { source: string; seed: number; counts: Record<SplitName, number> };
}

export const DEFAULT_IGNORE_LABEL = 255;
