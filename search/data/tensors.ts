/** The one place where data meets TensorFlow.js: a batch's arrays become tensors. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './batches.ts';
import type { Shape } from './types.ts';

/** x as [b,h,w,c] float32; y as int32 class indices, or float32 one-hot [b,numClasses]. The caller disposes both. */
export function batchTensors(batch: Batch, shape: Shape, numClasses: number, oneHot = false): { x: tf.Tensor4D; y: tf.Tensor } {
  const x = tf.tensor4d(batch.x, [batch.size, ...shape], 'float32');
  const y = oneHot
    ? tf.tidy(() => tf.oneHot(tf.tensor1d(batch.y, 'int32'), numClasses, 1, 0, 'float32'))
    : tf.tensor1d(batch.y, 'int32');
  return { x, y };
}
