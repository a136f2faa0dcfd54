/**
 * The one minibatch the data-dependent proxies read, drawn from a data set's train split by seed.
 *
 * Size: 64 images for classification, as zero-cost-nas scores NAS-Bench-201 with one random batch
 * of 64 (the figures the literature reports are at that size); it also gives NASWOT's 64 x 64
 * kernel full rank over 10 classes while one pass stays cheap on a CPU core. 16 scenes for
 * segmentation, the segmentation search's training batch: each 64x64 scene carries 4,096 labelled
 * pixels and costs several times a 28x28 image.
 */
import * as tf from '@tensorflow/tfjs';
import { createBatcher } from '../../data/batches.ts';
import type { Dataset } from '../../data/types.ts';
import { segBatches } from '../../data/segmentation/batches.ts';
import type { SegDataset } from '../../data/segmentation/types.ts';
import { classificationTensors } from '../../train/labels.ts';
import { segmentationLoss } from '../seg-loss.ts';
import type { ProxyBatch } from './types.ts';

export const CLASSIFICATION_BATCH = 64;
export const SEGMENTATION_BATCH = 16;

export type OwnedBatch = ProxyBatch & { dispose(): void };

export function classificationBatch(data: Pick<Dataset, 'train' | 'shape' | 'numClasses' | 'mean' | 'std'>, seed: number, size = CLASSIFICATION_BATCH): OwnedBatch {
  if (data.train.count < size) throw new Error(`a proxy batch of ${size} images needs at least that many training images, got ${data.train.count}`);
  const batch = createBatcher(data.train, data.shape, { batchSize: size, seed, mean: data.mean, std: data.std, augment: null }).next();
  const { x, y } = classificationTensors(batch, data.shape, data.numClasses);
  return {
    x,
    loss: (logits) => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar,
    dispose: () => tf.dispose([x, y]),
  };
}

export function segmentationBatch(data: Pick<SegDataset, 'train' | 'shape' | 'ignoreLabel' | 'mean' | 'std'>, seed: number, size = SEGMENTATION_BATCH): OwnedBatch {
  if (data.train.count < size) throw new Error(`a proxy batch of ${size} scenes needs at least that many training scenes, got ${data.train.count}`);
  const [b] = segBatches(data.train, data.shape, 0, { batchSize: size, seed, mean: data.mean, std: data.std });
  const x = tf.tensor4d(b.x, [b.size, ...data.shape]);
  return {
    x,
    loss: (logits) => segmentationLoss(logits, b.y, data.ignoreLabel),
    dispose: () => x.dispose(),
  };
}
