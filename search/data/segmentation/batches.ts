/**
 * Segmentation mini-batches: normalised images and their masks as int32 class indices, in the
 * seeded, resumable order of ../batches.ts; a horizontal flip (the only augmentation here) is
 * drawn per image from (seed, epoch, batch) and applied to image and mask alike.
 */
import { epochBatchCount, epochOrder, type BaseBatchOptions } from '../batches.ts';
import { IDENTITY, writeAugmented } from '../augment.ts';
import { deriveRng, STREAM } from '../seeds.ts';
import { imageSize, type Shape } from '../types.ts';
import type { SegSplit } from './types.ts';

export interface SegBatch { x: Float32Array; y: Int32Array; size: number }

export interface SegBatchOptions extends BaseBatchOptions {
  flip?: boolean;
}

/** The batches of epoch `epoch`, in order. */
export function* segBatches(split: SegSplit, shape: Shape, epoch: number, o: SegBatchOptions): Generator<SegBatch> {
  const { batchSize, seed, mean, std, shuffle = true, dropLast = false, flip = false } = o;
  const batches = epochBatchCount(split.count, batchSize, dropLast);
  const size = imageSize(shape);
  const [h, w] = shape;
  const px = h * w;
  const order = epochOrder(split.count, seed, epoch, shuffle);
  for (let b = 0; b < batches; b++) {
    const n = Math.min(batchSize, split.count - b * batchSize);
    const x = new Float32Array(n * size);
    const y = new Int32Array(n * px);
    const rng = flip ? deriveRng(seed, STREAM.augment, epoch, b) : null;
    for (let i = 0; i < n; i++) {
      const src = order[b * batchSize + i];
      const flipped = rng ? rng.next() < 0.5 : false;
      writeAugmented(split.images, src * size, x, i * size, shape, flipped ? { ...IDENTITY, flip: true } : IDENTITY, mean, std);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) y[i * px + r * w + c] = split.masks[src * px + r * w + (flipped ? w - 1 - c : c)];
      }
    }
    yield { x, y, size: n };
  }
}
