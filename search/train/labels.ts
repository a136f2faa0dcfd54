import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batches.ts';
import { batchTensors } from '../data/tensors.ts';
import type { Shape } from '../data/types.ts';

/** A classification batch as tensors with float32 one-hot labels. The caller disposes both. */
export function classificationTensors(batch: Batch, shape: Shape, numClasses: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const { x, y } = batchTensors(batch, shape, numClasses, true);
  return { x, y: y as tf.Tensor2D };
}
