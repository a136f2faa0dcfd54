/**
 * PC-DARTS's partial-channel connection (Xu et al. 2020): only the first C/K channels of an edge's
 * input go through the mixed operation; the other channels bypass it (max-pooled 2x2 on a
 * reducing edge), and a channel shuffle with K groups interleaves the two parts so that the next
 * edge samples other channels. The mixed operation costs 1/K of the full one, in time and in the
 * activations kept for the backward pass, which is what lets a CPU search at batch 64.
 *
 * Channel selection, concatenation and shuffle are three matmuls with fixed 0/1 matrices rather
 * than slice, concat and a 5-D transpose: the wasm backend runs the latter element by element,
 * and matmul (and its gradient) through XNNPACK.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, type Shape } from './module.ts';
import type { EdgeForward, WeightedLayer } from './cell.ts';
import { MixedOp } from './darts.ts';

/** Position of channel c after PC-DARTS's channel_shuffle(x, groups) of C channels. */
export function shuffledChannel(c: number, C: number, groups: number): number {
  const perGroup = C / groups;
  return (c % perGroup) * groups + Math.floor(c / perGroup);
}

/** A [rows, cols] 0/1 matrix with a one at (r, to(r)) for each row r that `to` maps (a channel map as a matmul). */
function channelMap(rows: number, cols: number, to: (r: number) => number | null): tf.Tensor2D {
  const m = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const c = to(r);
    if (c !== null) m[r * cols + c] = 1;
  }
  return tf.tensor2d(m, [rows, cols]);
}

export class PartialChannelMixedOp extends Layer implements WeightedLayer {
  readonly kind = 'partial_channel_mixed_op';
  readonly config: { ops: string[]; C: number; stride: number; k: number };
  /** The mixed operation on C/K channels. */
  readonly mixed: MixedOp;

  constructor(ops: string[], C: number, stride: number, k: number, rng: Rng, shift = false, standalone = false) {
    super();
    if (!Number.isInteger(k) || k < 1 || C % k !== 0) throw new Error(`partial channels: K=${k} must be a whole divisor of the edge's ${C} channels`);
    this.config = { ops, C, stride, k };
    this.mixed = this.addChild('mixed', new MixedOp(ops, C / k, stride, rng, shift, standalone));
  }

  forwardWeighted(x: tf.Tensor, weights: tf.Tensor, training: boolean, edge: EdgeForward = {}): tf.Tensor {
    const { C, k, stride } = this.config;
    if (k === 1) return this.mixed.forwardWeighted(x, weights, training, edge);
    return tf.tidy(() => {
      const p = C / k;
      const [b, h, w] = x.shape;
      const flat = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [-1, t.shape[3]!]);
      const part = tf.reshape(tf.matMul(flat(x), channelMap(C, p, (r) => (r < p ? r : null))), [b, h, w, p]);
      const y = this.mixed.forwardWeighted(part, weights, training, edge);
      const [, oh, ow] = y.shape;
      const placeMixed = channelMap(p, C, (r) => shuffledChannel(r, C, k));
      const bypassIn = stride === 1 ? x : tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
      // The first p channels of the bypass are dropped: those places hold the mixed output.
      const bypass = tf.matMul(flat(bypassIn), channelMap(C, C, (r) => (r < p ? null : shuffledChannel(r, C, k))));
      return tf.reshape(tf.add(tf.matMul(flat(y), placeMixed), bypass), [b, oh, ow, C]);
    });
  }

  forward(): tf.Tensor { throw new Error('a PartialChannelMixedOp needs its weights: call forwardWeighted'); }

  outputShape(inShape: Shape): Shape {
    const [h, w] = this.mixed.outputShape([inShape[0], inShape[1], this.config.C / this.config.k]);
    return [h, w, this.config.C];
  }

  flops(inShape: Shape): number { return this.mixed.flops([inShape[0], inShape[1], this.config.C / this.config.k]); }
}
