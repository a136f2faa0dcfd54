/**
 * DARTS-'s auxiliary skip (Chu et al. 2021): every supernet edge adds beta * skip(x) to its mixed
 * output, with beta decaying to 0 over the search. The residual path carries the gradient that
 * otherwise makes the candidate skip_connect win (the skip's unfair advantage), so the alphas can
 * rank the other operations on their merit; at the end beta is 0 and the supernet is plain DARTS.
 * On a reducing edge the skip is a non-affine factorized reduction, as in the DARTS- code.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, type Shape } from './module.ts';
import type { EdgeForward, WeightedLayer } from './cell.ts';
import { Identity } from './layers.ts';
import { FactorizedReduce } from './ops.ts';

export class AuxiliarySkipEdge extends Layer implements WeightedLayer {
  readonly kind = 'auxiliary_skip_edge';
  readonly config: { C: number; stride: number };
  readonly inner: WeightedLayer;
  private readonly skip: Layer;

  constructor(inner: WeightedLayer, C: number, stride: number, rng: Rng) {
    super();
    this.config = { C, stride };
    this.inner = this.addChild('inner', inner);
    this.skip = this.addChild('skip', stride === 1 ? new Identity() : new FactorizedReduce(C, C, rng, false));
  }

  forwardWeighted(x: tf.Tensor, weights: tf.Tensor, training: boolean, edge: EdgeForward = {}): tf.Tensor {
    const y = this.inner.forwardWeighted(x, weights, training, edge);
    const beta = edge.auxSkip ?? 0;
    if (beta === 0) return y;
    return tf.tidy(() => tf.add(y, tf.mul(this.skip.forward(x, training), beta)));
  }

  forward(): tf.Tensor { throw new Error('an AuxiliarySkipEdge needs its weights: call forwardWeighted'); }

  outputShape(inShape: Shape): Shape { return this.inner.outputShape(inShape); }

  flops(inShape: Shape): number { return this.inner.flops(inShape) + this.skip.flops(inShape); }
}
