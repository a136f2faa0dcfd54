/**
 * The prototype head of few-shot segmentation (PANet, Wang et al. 2019): each class's prototype is
 * the masked average of its support pixels' embeddings, background included as a class of its
 * own, and a query pixel scores every class by the cosine similarity of its embedding to the
 * prototype, times a scale. Nothing is learnt in an episode.
 */
import * as tf from '@tensorflow/tfjs';
import { cosineLogits } from './cosine-classifier.ts';

/**
 * Masked average pooling: support embeddings [n, h, w, d] and per-pixel class weights
 * [n, h, w, classes] (one-hot rows, all zero where a pixel is ignored) to prototypes [classes, d].
 * A class with no support pixel gets the zero vector, which every pixel's cosine treats as 0.
 */
export function maskedAveragePool(embeddings: tf.Tensor, weights: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const d = embeddings.shape[3]!, classes = weights.shape[3]!;
    const e = tf.reshape(embeddings, [-1, d]) as tf.Tensor2D;
    const w = tf.reshape(weights, [-1, classes]) as tf.Tensor2D;
    const sums = tf.matMul(w, e, true, false);
    return tf.div(sums, tf.maximum(tf.reshape(tf.sum(w, 0), [classes, 1]), 1e-6)) as tf.Tensor2D;
  });
}

/** Query logits [q, h, w, classes]: scale · cos(query pixel, prototype of the class). */
export function prototypeLogits(queries: tf.Tensor, supports: tf.Tensor, supportWeights: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => cosineLogits(queries, maskedAveragePool(supports, supportWeights), scale));
}
