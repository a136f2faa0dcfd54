/** The one place where data meets TensorFlow.js: a batch's arrays become tensors. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batches.ts';
import type { Shape } from './types.ts';

/**
 * One-hot labels filled on the JS side: tf.oneHot with dtype float32 on the wasm backend
 * (tfjs 4.22) writes integer bit patterns into the float buffer, which silently zeroes every
 * cross-entropy.
 */
function oneHotLabels(labels: ArrayLike<number>, size: number, numClasses: number): Float32Array {
  const out = new Float32Array(size * numClasses);
  for (let i = 0; i < size; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} outside the ${numClasses} classes`);
    out[i * numClasses + label] = 1;
  }
  return out;
}

/** x as [b,h,w,c] float32; y as int32 class indices, or float32 one-hot [b,numClasses]. The caller disposes both. */
export function batchTensors(batch: Batch, shape: Shape, numClasses: number, oneHot = false): { x: tf.Tensor4D; y: tf.Tensor } {
  const x = tf.tensor4d(batch.x, [batch.size, ...shape], 'float32');
  const y = oneHot
    ? tf.tensor2d(oneHotLabels(batch.y, batch.size, numClasses), [batch.size, numClasses], 'float32')
    : tf.tensor1d(batch.y, 'int32');
  return { x, y };
}
