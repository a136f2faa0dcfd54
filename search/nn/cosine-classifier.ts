/**
 * A cosine classifier over per-pixel embeddings: logits = scale · cos(embedding, w_c), one learnt
 * prototype w_c per class. Few-shot segmentation trains a network's embedding with it on the base
 * classes, so that training ranks pixels by the same cosine similarity to a class vector that
 * episodes later use with prototypes pooled from support masks (prototype-match.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { normalValues } from './init.ts';
import { Layer, type Shape } from './module.ts';

/** x / |x| along the last axis; the epsilon keeps an all-zero embedding finite. */
export const l2Normalize = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.div(x, tf.add(tf.norm(x, 'euclidean', -1, true), 1e-6)));

export class CosineClassifier extends Layer {
  readonly kind = 'cosine_classifier';
  readonly config: { dim: number; classes: number; scale: number };
  private readonly weight: tf.Variable;

  constructor(dim: number, classes: number, rng: Rng, o: { scale: number }) {
    super();
    this.config = { dim, classes, scale: o.scale };
    this.weight = this.addParam('prototypes', [classes, dim], normalValues(rng, classes * dim, 1 / Math.sqrt(dim)));
  }

  /** [..., dim] embeddings to [..., classes] logits. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => cosineLogits(x, this.weight, this.config.scale));
  }

  outputShape(inShape: Shape): Shape { return [...inShape.slice(0, -1), this.config.classes]; }

  flops(inShape: Shape): number {
    return inShape.slice(0, -1).reduce((a, b) => a * b, 1) * this.config.dim * this.config.classes;
  }
}

/** scale · cos(x, p) of embeddings x [..., dim] against class vectors p [classes, dim]: [..., classes]. */
export function cosineLogits(x: tf.Tensor, prototypes: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const [classes, dim] = prototypes.shape;
    const flat = tf.reshape(l2Normalize(x), [-1, dim]) as tf.Tensor2D;
    const sims = tf.matMul(flat, l2Normalize(prototypes) as tf.Tensor2D, false, true);
    return tf.reshape(tf.mul(sims, scale), [...x.shape.slice(0, -1), classes]);
  });
}
