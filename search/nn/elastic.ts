/**
 * Once-for-All elastic layers: one weight tensor at the largest choice, and every smaller choice
 * computes with a slice of it — the centre k x k of the largest kernel, the first channels for a
 * smaller width or expansion. Slices are ops on the gradient tape, so a step on a small subnet
 * trains exactly the shared entries it used.
 *
 * The kernel is the plain centre crop, not OFA's learned kernel transformation matrices (a 25x25
 * and a 9x9 map per layer that turn the 7x7 centre into the 5x5 kernel and so on): the crop keeps
 * an exported subnet's weights a verbatim slice of the supernet's, adds no parameters, and OFA's
 * own ablation credits the matrices with under 1 % of ImageNet top-1, a difference our few-epoch
 * CPU budget cannot resolve. `exportAs` names each slice as the standalone layer (nn/block.ts)
 * names its weight, so a subnet is extracted by building it and assigning them (space/elastic.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormInfer, batchNormTrain } from '../backend/fused.ts';
import type { Rng } from '../util/rng.ts';
import { Module } from './module.ts';
import { filled, heNormal, normalValues, truncNormal } from './init.ts';

/** A standalone layer's weight (relative path, as Module.variables() names it) and its value. */
export type NamedSlice = [name: string, value: tf.Tensor];

export const prefixed = (prefix: string, slices: NamedSlice[]): NamedSlice[] => slices.map(([n, t]) => [prefix + n, t]);

/** The first `n` entries of a vector. */
const head1 = (v: tf.Tensor, n: number): tf.Tensor1D => tf.slice(v, [0], [n]) as tf.Tensor1D;

/** A convolution at the largest kernel and channels (HWIO; depthwise [K, K, C, 1]). */
export class ElasticConv extends Module {
  readonly kind = 'elastic_conv';
  readonly config: { cin: number; cout: number; kernel: number; depthwise: boolean };
  private readonly kernel: tf.Variable;

  constructor(cin: number, cout: number, kernel: number, rng: Rng, depthwise = false) {
    super();
    this.config = { cin, cout, kernel, depthwise };
    const shape = depthwise ? [kernel, kernel, cin, 1] : [kernel, kernel, cin, cout];
    this.kernel = this.addParam('kernel', shape, heNormal(rng, shape.reduce((a, b) => a * b), kernel * kernel * (depthwise ? 1 : cin)));
  }

  /** The centre k x k, first cin inputs and (not depthwise) first cout outputs. */
  filter(k: number, cin: number, cout: number): tf.Tensor4D {
    const { kernel: K, depthwise } = this.config;
    if ((K - k) % 2 !== 0 || k > K) throw new Error(`elastic conv: kernel ${k} is not a centre of ${K}`);
    const o = (K - k) / 2;
    return tf.slice(this.kernel, [o, o, 0, 0], [k, k, cin, depthwise ? 1 : cout]) as tf.Tensor4D;
  }

  /** Padding (k-1)/2 as the standalone Conv2d's; a depthwise conv keeps the input's channels. */
  forward(x: tf.Tensor, k: number, cout: number, stride: number): tf.Tensor {
    const cin = x.shape[3]!;
    const pad = Math.floor((k - 1) / 2);
    return this.config.depthwise
      ? tf.depthwiseConv2d(x as tf.Tensor4D, this.filter(k, cin, 1), stride, pad)
      : tf.conv2d(x as tf.Tensor4D, this.filter(k, cin, cout), stride, pad);
  }

  exportAs(k: number, cin: number, cout: number): NamedSlice[] { return [['kernel', this.filter(k, cin, cout)]]; }
}

/** Batch norm over the largest channel count; a narrower input uses (and updates) the first channels. */
export class ElasticBatchNorm extends Module {
  readonly kind = 'elastic_batch_norm';
  readonly config: { channels: number; eps: number; momentum: number };
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;

  constructor(channels: number) {
    super();
    this.config = { channels, eps: 1e-5, momentum: 0.1 };
    this.gamma = this.addParam('gamma', [channels], filled(channels, 1));
    this.beta = this.addParam('beta', [channels], filled(channels, 0));
    this.runningMean = this.addBuffer('running_mean', [channels], filled(channels, 0));
    this.runningVar = this.addBuffer('running_var', [channels], filled(channels, 1));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const { channels: C, eps, momentum } = this.config;
    const c = x.shape[x.rank - 1]!;
    return tf.tidy(() => {
      if (!training) return batchNormInfer(x, head1(this.runningMean, c), head1(this.runningVar, c), head1(this.gamma, c), head1(this.beta, c), eps);
      const { y, mean, variance } = batchNormTrain(x, head1(this.gamma, c), head1(this.beta, c), eps);
      const n = x.size / c;
      const update = (running: tf.Variable, batch: tf.Tensor, scale: number): void => {
        const moved = tf.add(tf.mul(head1(running, c), 1 - momentum), tf.mul(batch, momentum * scale));
        running.assign(c === C ? moved : tf.concat([moved, tf.slice(running, [c], [C - c])]));
      };
      update(this.runningMean, mean, 1);
      update(this.runningVar, variance, n > 1 ? n / (n - 1) : 1);
      return y;
    });
  }

  exportAs(c: number): NamedSlice[] {
    return [['gamma', head1(this.gamma, c)], ['beta', head1(this.beta, c)], ['running_mean', head1(this.runningMean, c)], ['running_var', head1(this.runningVar, c)]];
  }
}

/** Layer norm over the largest channel count (the first channels of a narrower input). */
export class ElasticLayerNorm extends Module {
  readonly kind = 'elastic_layer_norm';
  readonly config: { channels: number; eps: number };
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;

  constructor(channels: number) {
    super();
    this.config = { channels, eps: 1e-5 };
    this.gamma = this.addParam('gamma', [channels], filled(channels, 1));
    this.beta = this.addParam('beta', [channels], filled(channels, 0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const c = x.shape[x.rank - 1]!;
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.eps)));
      return tf.add(tf.mul(normed, head1(this.gamma, c)), head1(this.beta, c));
    });
  }

  exportAs(c: number): NamedSlice[] { return [['gamma', head1(this.gamma, c)], ['beta', head1(this.beta, c)]]; }
}

/**
 * A dense layer [cin, cout] with bias. `blocks` > 1 (attention's qkv: q, k and v side by side)
 * keeps the first `cout` columns of each of its equal column blocks.
 */
export class ElasticDense extends Module {
  readonly kind = 'elastic_dense';
  readonly config: { cin: number; cout: number; blocks: number };
  private readonly kernel: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(cin: number, cout: number, rng: Rng, o: { blocks?: number; std?: number; truncated?: boolean } = {}) {
    super();
    const blocks = o.blocks ?? 1;
    this.config = { cin, cout, blocks };
    const n = cin * cout * blocks, std = o.std ?? 1 / Math.sqrt(cin);
    this.kernel = this.addParam('kernel', [cin, cout * blocks], o.truncated ? truncNormal(rng, n, std) : normalValues(rng, n, std));
    this.bias = this.addParam('bias', [cout * blocks], filled(cout * blocks, 0));
  }

  weights(cin: number, cout: number): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
    const { cout: C, blocks } = this.config;
    const cols = Array.from({ length: blocks }, (_, b) => b * C);
    const kernel = tf.concat(cols.map((c0) => tf.slice(this.kernel, [0, c0], [cin, cout])), 1) as tf.Tensor2D;
    const bias = tf.concat(cols.map((c0) => tf.slice(this.bias, [c0], [cout]))) as tf.Tensor1D;
    return { kernel, bias };
  }

  /** On the last axis of any rank, `cout` columns per block. */
  forward(x: tf.Tensor, cout: number): tf.Tensor {
    const cin = x.shape[x.rank - 1]!;
    return tf.tidy(() => {
      const { kernel, bias } = this.weights(cin, cout);
      const y = tf.add(tf.matMul(tf.reshape(x, [-1, cin]) as tf.Tensor2D, kernel), bias);
      return tf.reshape(y, [...x.shape.slice(0, -1), cout * this.config.blocks]);
    });
  }

  exportAs(cin: number, cout: number): NamedSlice[] {
    const { kernel, bias } = this.weights(cin, cout);
    return [['kernel', kernel], ['bias', bias]];
  }
}
