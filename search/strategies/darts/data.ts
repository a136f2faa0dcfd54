/**
 * The two halves a DARTS search reads, for either task: classification images with one-hot
 * rows (accuracy: top-1), or segmentation scenes with a class per pixel (accuracy: mIoU over the
 * epoch's confusion matrix). The search loop sees batches and a meter, never the task.
 */
import * as tf from '@tensorflow/tfjs';
import { createBatcher } from '../../data/batches.ts';
import { createConfusion, addToConfusion, meanIoU } from '../../data/metrics.ts';
import { DATASET_NAMES, loadDataset, type DatasetName } from '../../data/registry.ts';
import { segBatches } from '../../data/segmentation/batches.ts';
import { segmentationDataset } from '../../evaluate/seg-proxy.ts';
import { classificationTensors } from '../../train/labels.ts';
import { UsageError } from '../../util/errors.ts';
import type { DartsBatch, StepMetrics } from './bilevel.ts';
import type { DartsConfig } from './config.ts';

export type Half = 'train' | 'val';

/** Accumulates the accuracy measure of one half over an epoch. */
export interface Meter { add(m: StepMetrics, b: DartsBatch): void; value(): number }

export interface DartsData {
  counts: Record<Half, number>;
  /** Batches of one half in epoch `epoch`'s seeded order (the last partial batch left out). */
  batches(half: Half, epoch: number): { perEpoch: number; next(): DartsBatch };
  meter(): Meter;
}

export function disposeBatch(b: DartsBatch): void {
  tf.dispose('pixels' in b ? [b.x] : [b.x, b.y]);
}

/** Different shuffles for the two halves, from the run's one seed. */
const halfSeed = (c: DartsConfig, half: Half): number => (half === 'train' ? c.seed : c.seed + 1_000_003);

function checkCounts(counts: Record<Half, number>, batchSize: number): void {
  for (const half of ['train', 'val'] as const) {
    if (counts[half] < batchSize) throw new UsageError(`the ${half} half has ${counts[half]} images, fewer than one batch of ${batchSize}`);
  }
}

function classificationData(c: DartsConfig): DartsData {
  const name = c.dataset;
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new UsageError(`darts: '${name}' is not a classification data set`);
  const ds = loadDataset(name as DatasetName, { dir: c.dataDir, subset: { train: c.trainImages, val: c.valImages, test: 0 } });
  const counts = { train: ds.train.count, val: ds.val.count };
  checkCounts(counts, c.batchSize);
  return {
    counts,
    batches(half, epoch) {
      const b = createBatcher(ds[half], ds.shape, {
        batchSize: c.batchSize, seed: halfSeed(c, half), mean: ds.mean, std: ds.std, augment: c.augment ? ds.augment : null, dropLast: true, start: { epoch, batch: 0 },
      });
      return { perEpoch: b.batchesPerEpoch, next: () => classificationTensors(b.next(), ds.shape, ds.numClasses) };
    },
    meter() {
      let hits = 0, seen = 0;
      return { add: (m, b) => { hits += m.hits; seen += b.x.shape[0]; }, value: () => hits / seen };
    },
  };
}

function segmentationData(c: DartsConfig): DartsData {
  const ds = segmentationDataset(c.dataset, { train: c.trainImages, val: c.valImages });
  const counts = { train: ds.train.count, val: ds.val.count };
  checkCounts(counts, c.batchSize);
  return {
    counts,
    batches(half, epoch) {
      const it = segBatches(ds[half], ds.shape, epoch, { batchSize: c.batchSize, seed: halfSeed(c, half), mean: ds.mean, std: ds.std, dropLast: true, flip: c.augment });
      return {
        perEpoch: Math.floor(ds[half].count / c.batchSize),
        next: () => {
          const r = it.next();
          if (r.done) throw new Error(`the ${half} half ran out of batches in epoch ${epoch}`);
          return { x: tf.tensor4d(r.value.x, [r.value.size, ...ds.shape]), pixels: r.value.y, ignoreLabel: ds.ignoreLabel };
        },
      };
    },
    meter() {
      const conf = createConfusion(ds.numClasses);
      return {
        add: (m, b) => { if ('pixels' in b) addToConfusion(conf, m.predicted!, b.pixels, b.ignoreLabel); },
        value: () => meanIoU(conf),
      };
    },
  };
}

/** The halves of the run's data set; `task` is the space's. */
export function loadDartsData(c: DartsConfig, task: 'classification' | 'segmentation'): DartsData {
  return task === 'segmentation' ? segmentationData(c) : classificationData(c);
}
