import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batches.ts';
import type { Shape } from '../data/types.ts';

/**
 * A batch as tensors with float32 one-hot labels built on the JS side: tf.oneHot with dtype
 * float32 on the wasm backend (tfjs 4.22) writes integer bit patterns into the float buffer,
 * which silently zeroes every cross-entropy. The caller disposes both tensors.
 */
export function classificationTensors(batch: Batch, shape: Shape, numClasses: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const oneHot = new Float32Array(batch.size * numClasses);
  for (let i = 0; i < batch.size; i++) {
    const label = batch.y[i];
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} outside the ${numClasses} classes`);
    oneHot[i * numClasses + label] = 1;
  }
  return { x: tf.tensor4d(batch.x, [batch.size, ...shape], 'float32'), y: tf.tensor2d(oneHot, [batch.size, numClasses], 'float32') };
}
