/**
 * Mini-batches as plain typed arrays (tensors.ts turns them into tensors). The order of
 * epoch e is a permutation drawn from (seed, e) alone and the augmentation of batch b
 * from (seed, e, b), so a run resumed at any position sees exactly the batches it would
 * have seen had it never stopped.
 */
import { IDENTITY, sampleAugment, writeAugmented, type AugmentConfig } from './augment.ts';
import { deriveRng, shuffleInPlace, STREAM } from './seeds.ts';
import { imageSize, type Shape, type Split } from './types.ts';

export interface BatchPosition { epoch: number; batch: number }

export interface Batch {
  /** `size` normalised NHWC images. A fresh array per batch: tensors may keep a reference to it. */
  x: Float32Array;
  y: Int32Array;
  size: number;
  position: BatchPosition;
}

/** The options of every batcher, classification or segmentation. */
export interface BaseBatchOptions {
  batchSize: number;
  seed: number;
  /** Per-channel normalisation in [0,1] pixel units (a Dataset's mean and std). */
  mean: readonly number[];
  std: readonly number[];
  /** Off for evaluation: images in split order. Default true. */
  shuffle?: boolean;
  /** Leave out the last, smaller batch of each epoch. Default false. */
  dropLast?: boolean;
}

export interface BatchOptions extends BaseBatchOptions {
  augment?: AugmentConfig | null;
  /** Where to start, e.g. a checkpoint's position. Default epoch 0, batch 0. */
  start?: BatchPosition;
}

export interface Batcher {
  readonly batchesPerEpoch: number;
  /** The position of the batch `next()` will return. */
  position(): BatchPosition;
  /** The batch at `position()`; then moves on, to the next epoch after the last batch. */
  next(): Batch;
  /** The batches left in the current epoch. */
  restOfEpoch(): Generator<Batch>;
}

/** How many batches an epoch of `count` images gives; throws unless the batch size is a positive integer. */
export function epochBatchCount(count: number, batchSize: number, dropLast: boolean): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** The order in which epoch `epoch` visits positions 0..count-1. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle = true): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  return shuffle ? shuffleInPlace(order, deriveRng(seed, STREAM.shuffle, epoch)) : order;
}

export function createBatcher(split: Split, shape: Shape, opts: BatchOptions): Batcher {
  const { batchSize, seed, mean, std, shuffle = true, dropLast = false, augment = null } = opts;
  const batchesPerEpoch = epochBatchCount(split.count, batchSize, dropLast);
  if (mean.length !== shape[2] || std.length !== shape[2]) throw new Error(`mean/std need ${shape[2]} channels`);
  let { epoch, batch } = opts.start ?? { epoch: 0, batch: 0 };
  if (!(epoch >= 0 && batch >= 0 && batch < Math.max(1, batchesPerEpoch))) throw new Error(`start position ${epoch}:${batch} is outside the ${batchesPerEpoch} batches of an epoch`);
  const size = imageSize(shape);
  let order: Int32Array | null = null;
  let orderEpoch = -1;

  const next = (): Batch => {
    if (batchesPerEpoch === 0) throw new Error(`a split of ${split.count} images gives no batch of ${batchSize}`);
    if (orderEpoch !== epoch) { order = epochOrder(split.count, seed, epoch, shuffle); orderEpoch = epoch; }
    const from = batch * batchSize;
    const n = Math.min(batchSize, split.count - from);
    const x = new Float32Array(n * size);
    const y = new Int32Array(n);
    const rng = augment ? deriveRng(seed, STREAM.augment, epoch, batch) : null;
    for (let i = 0; i < n; i++) {
      const src = order![from + i];
      const params = rng ? sampleAugment(augment!, shape, rng) : IDENTITY;
      writeAugmented(split.images, src * size, x, i * size, shape, params, mean, std);
      y[i] = split.labels[src];
    }
    const out: Batch = { x, y, size: n, position: { epoch, batch } };
    if (++batch === batchesPerEpoch) { batch = 0; epoch++; }
    return out;
  };

  return {
    batchesPerEpoch,
    position: () => ({ epoch, batch }),
    next,
    *restOfEpoch() {
      const current = epoch;
      while (epoch === current && batchesPerEpoch > 0) yield next();
    },
  };
}
