/**
 * Per-pixel cross-entropy with an ignore label, and the confusion-matrix metrics of a
 * segmentation batch. Targets are one-hot rows built in JS (tf.oneHot float32 is broken on wasm,
 * see ../train/labels.ts); an ignored pixel's row is all zero, so it adds nothing to the loss and
 * its gradient, softmax(z)·Σy − y, is exactly zero.
 */
import * as tf from '@tensorflow/tfjs';
import { addToConfusion, type Confusion } from '../data/metrics.ts';

/** One-hot [n, k] of `labels` (zero rows where ignored) and the number of counted pixels. */
export function pixelTargets(labels: Int32Array, numClasses: number, ignoreLabel: number): { oneHot: Float32Array; counted: number } {
  const oneHot = new Float32Array(labels.length * numClasses);
  let counted = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t === ignoreLabel) continue;
    if (!(t >= 0 && t < numClasses)) throw new Error(`pixel ${i}: label ${t} outside 0..${numClasses - 1} and not the ignore label ${ignoreLabel}`);
    oneHot[i * numClasses + t] = 1;
    counted++;
  }
  return { oneHot, counted };
}

/**
 * Mean cross-entropy over the counted pixels of logits [b, H, W, k] (0 when none is counted).
 * `reduction: 'sum'` returns the sum instead, for averaging over many batches.
 */
export function segmentationLoss(logits: tf.Tensor, labels: Int32Array, ignoreLabel: number, reduction: 'mean' | 'sum' = 'mean'): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1]!;
    if (labels.length * k !== logits.size) throw new Error(`${labels.length} labels for logits of shape [${logits.shape.join(', ')}]`);
    const { oneHot, counted } = pixelTargets(labels, k, ignoreLabel);
    const y = tf.tensor2d(oneHot, [labels.length, k], 'float32');
    const total = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(tf.reshape(logits, [labels.length, k])))));
    return (reduction === 'sum' ? total : tf.div(total, Math.max(1, counted))) as tf.Scalar;
  });
}

/** Adds a batch's argmax predictions ([b, H, W, k] logits) to `conf`, skipping ignored pixels. */
export async function addLogitsToConfusion(conf: Confusion, logits: tf.Tensor, labels: Int32Array, ignoreLabel: number): Promise<Confusion> {
  const pred = tf.tidy(() => tf.argMax(logits, -1));
  const predicted = await pred.data();
  pred.dispose();
  return addToConfusion(conf, predicted, labels, ignoreLabel);
}
