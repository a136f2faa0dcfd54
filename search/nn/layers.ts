/** Primitive layers: convolution, normalisation, dense, activations, pooling, identity and zero. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, type ModuleConfig, type Shape } from './module.ts';
import { filled, heNormal, normalValues } from './init.ts';

const convOut = (size: number, k: number, stride: number, pad: number, dilation: number): number =>
  Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;

/**
 * Every s-th row and column starting at 0, built from pad/reshape/slice because tf.js has no
 * gradient for StridedSlice. Equals a strided window op for windows anchored at 0.
 */
export function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const oh = Math.ceil(h / s);
    const ow = Math.ceil(w / s);
    const padded = tf.pad(x, [[0, 0], [0, oh * s - h], [0, ow * s - w], [0, 0]]);
    const blocks = tf.reshape(padded, [b, oh, s, ow, s, c]);
    return tf.reshape(tf.slice(blocks, [0, 0, 0, 0, 0, 0], [b, oh, 1, ow, 1, c]), [b, oh, ow, c]) as tf.Tensor4D;
  });
}

/**
 * Dilated convolution at stride 1 the way TensorFlow computes atrous convolution: the padded
 * input is split into dilation^2 interleaved sub-images (space-to-batch), convolved densely,
 * and interleaved back. tf.js has no gradient for dilated convolutions, but has one for these.
 */
function atrous(x: tf.Tensor4D, d: number, pad: number, k: number, conv: (t: tf.Tensor4D, s: number, pad: number) => tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  const eh = (d - (hp % d)) % d;
  const ew = (d - (wp % d)) % d;
  const padded = tf.pad(x, [[0, 0], [pad, pad + eh], [pad, pad + ew], [0, 0]]);
  const split = tf.spaceToBatchND(padded, [d, d], [[0, 0], [0, 0]]) as tf.Tensor4D;
  if (split.shape[1] < k || split.shape[2] < k) throw new Error(`dilated conv: input ${h}x${w} too small for kernel ${k} at dilation ${d}`);
  return tf.batchToSpaceND(conv(split, 1, 0), [d, d], [[0, eh], [0, ew]]) as tf.Tensor4D;
}

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding; default keeps the size at stride 1 (dilation*(k-1)/2). */
  padding?: number;
  dilation?: number;
  /** 1 (plain) or cin (depthwise, requires cout == cin). */
  groups?: number;
  bias?: boolean;
}

/**
 * 2-D convolution with PyTorch's padding semantics (explicit symmetric padding, floor rounding).
 * Kernel layout is TF's HWIO ([k, k, cin, cout]); depthwise kernels are [k, k, cin, 1].
 */
export class Conv2d extends Layer {
  readonly kind = 'conv2d';
  readonly config: { cin: number; cout: number; kernel: number; stride: number; padding: number; dilation: number; groups: number; bias: boolean; layout: 'HWIO' };
  private readonly kernel: tf.Variable;
  private readonly bias?: tf.Variable;

  constructor(cin: number, cout: number, kernel: number, rng: Rng, o: Conv2dOptions = {}) {
    super();
    const dilation = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    if (groups !== 1 && !(groups === cin && cout === cin)) throw new Error(`conv2d supports groups 1 or depthwise (groups=cin=cout), got cin=${cin} cout=${cout} groups=${groups}`);
    const padding = o.padding ?? Math.floor((dilation * (kernel - 1)) / 2);
    this.config = { cin, cout, kernel, stride: o.stride ?? 1, padding, dilation, groups, bias: o.bias ?? false, layout: 'HWIO' };
    const fanIn = (kernel * kernel * cin) / groups;
    const shape = groups === 1 ? [kernel, kernel, cin, cout] : [kernel, kernel, cin, 1];
    this.kernel = this.addParam('kernel', shape, heNormal(rng, shape.reduce((a, b) => a * b), fanIn));
    if (this.config.bias) this.bias = this.addParam('bias', [cout], filled(cout, 0));
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const { stride, padding, dilation, groups } = this.config;
    return tf.tidy(() => {
      const k = this.kernel as unknown as tf.Tensor4D;
      const conv = (t: tf.Tensor4D, s: number, pad: number): tf.Tensor4D => groups === 1
        ? tf.conv2d(t, k, s, pad, 'NHWC')
        : tf.depthwiseConv2d(t, k, s, pad, 'NHWC');
      const y = dilation === 1 ? conv(x as tf.Tensor4D, stride, padding) : subsample(atrous(x as tf.Tensor4D, dilation, padding, this.config.kernel, conv), stride);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  outputShape([h, w, c]: Shape): Shape {
    const { cin, cout, kernel, stride, padding, dilation } = this.config;
    if (c !== cin) throw new Error(`conv2d expects ${cin} input channels, got ${c}`);
    return [convOut(h, kernel, stride, padding, dilation), convOut(w, kernel, stride, padding, dilation), cout];
  }

  flops(inShape: Shape): number {
    const [oh, ow, oc] = this.outputShape(inShape);
    const { kernel, cin, groups } = this.config;
    return oh * ow * oc * kernel * kernel * (cin / groups);
  }
}

/**
 * Batch normalisation over the channel (last) axis with PyTorch conventions: eps 1e-5,
 * running = (1 - momentum) * running + momentum * batch, the running variance unbiased.
 */
export class BatchNorm extends Layer {
  readonly kind = 'batch_norm';
  readonly config: { channels: number; affine: boolean; eps: number; momentum: number };
  private readonly gamma?: tf.Variable;
  private readonly beta?: tf.Variable;
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;

  constructor(channels: number, o: { affine?: boolean; eps?: number; momentum?: number } = {}) {
    super();
    this.config = { channels, affine: o.affine ?? true, eps: o.eps ?? 1e-5, momentum: o.momentum ?? 0.1 };
    if (this.config.affine) {
      this.gamma = this.addParam('gamma', [channels], filled(channels, 1));
      this.beta = this.addParam('beta', [channels], filled(channels, 0));
    }
    this.runningMean = this.addBuffer('running_mean', [channels], filled(channels, 0));
    this.runningVar = this.addBuffer('running_var', [channels], filled(channels, 1));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const { eps, momentum } = this.config;
    return tf.tidy(() => {
      let mean: tf.Tensor, variance: tf.Tensor;
      if (training) {
        const axes = x.shape.slice(0, -1).map((_, i) => i);
        ({ mean, variance } = tf.moments(x, axes));
        const n = x.size / x.shape[x.shape.length - 1];
        const unbiased = n > 1 ? n / (n - 1) : 1;
        // Assignments are not recorded on the gradient tape: the statistics stay state.
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - momentum), tf.mul(mean, momentum)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - momentum), tf.mul(variance, momentum * unbiased)));
      } else {
        mean = this.runningMean;
        variance = this.runningVar;
      }
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return this.gamma && this.beta ? tf.add(tf.mul(normed, this.gamma), this.beta) : normed;
    });
  }

  outputShape(inShape: Shape): Shape { return inShape; }
  flops(): number { return 0; }
}

/** Layer normalisation over the last axis, eps 1e-5. */
export class LayerNorm extends Layer {
  readonly kind = 'layer_norm';
  readonly config: { channels: number; eps: number };
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;

  constructor(channels: number, eps = 1e-5) {
    super();
    this.config = { channels, eps };
    this.gamma = this.addParam('gamma', [channels], filled(channels, 1));
    this.beta = this.addParam('beta', [channels], filled(channels, 0));
  }

  forward(x: tf.Tensor, _training?: boolean): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.eps)));
      return tf.add(tf.mul(normed, this.gamma), this.beta);
    });
  }

  outputShape(inShape: Shape): Shape { return inShape; }
  flops(): number { return 0; }
}

/** Dense layer on the last axis (any rank): kernel [cin, cout], optional bias. */
export class Dense extends Layer {
  readonly kind = 'dense';
  readonly config: { cin: number; cout: number; bias: boolean };
  private readonly kernel: tf.Variable;
  private readonly bias?: tf.Variable;

  /** `std` defaults to LeCun normal 1/sqrt(cin); attention layers pass their own initial values. */
  constructor(cin: number, cout: number, rng: Rng, o: { bias?: boolean; init?: Float32Array } = {}) {
    super();
    this.config = { cin, cout, bias: o.bias ?? true };
    this.kernel = this.addParam('kernel', [cin, cout], o.init ?? normalValues(rng, cin * cout, 1 / Math.sqrt(cin)));
    if (this.config.bias) this.bias = this.addParam('bias', [cout], filled(cout, 0));
  }

  forward(x: tf.Tensor, _training?: boolean): tf.Tensor {
    const { cin, cout } = this.config;
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, cin]) as tf.Tensor2D;
      let y: tf.Tensor = tf.matMul(flat, this.kernel as unknown as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...x.shape.slice(0, -1), cout]);
    });
  }

  outputShape(inShape: Shape): Shape {
    if (inShape[inShape.length - 1] !== this.config.cin) throw new Error(`dense expects ${this.config.cin} input features, got ${inShape.at(-1)}`);
    return [...inShape.slice(0, -1), this.config.cout];
  }

  flops(inShape: Shape): number {
    const tokens = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    return tokens * this.config.cin * this.config.cout;
  }
}

export class ReLU extends Layer {
  readonly kind = 'relu';
  readonly config: ModuleConfig = {};
  forward(x: tf.Tensor, _training?: boolean): tf.Tensor { return tf.relu(x); }
  outputShape(inShape: Shape): Shape { return inShape; }
  flops(): number { return 0; }
}

/**
 * k x k max or average pooling with symmetric padding. Average pooling divides by the number of
 * real (non-padding) inputs, i.e. PyTorch's count_include_pad=False, which is also tf's rule.
 */
export class Pool2d extends Layer {
  readonly kind: 'max_pool' | 'avg_pool';
  readonly config: { kernel: number; stride: number; padding: number; countIncludePad: false };

  constructor(type: 'max' | 'avg', kernel: number, stride: number, padding: number) {
    super();
    this.kind = type === 'max' ? 'max_pool' : 'avg_pool';
    this.config = { kernel, stride, padding, countIncludePad: false };
  }

  forward(x: tf.Tensor, _training?: boolean): tf.Tensor {
    const { kernel, stride, padding } = this.config;
    const pool = this.kind === 'max_pool' ? tf.maxPool : tf.avgPool;
    return pool(x as tf.Tensor4D, kernel, stride, padding);
  }

  outputShape([h, w, c]: Shape): Shape {
    const { kernel, stride, padding } = this.config;
    return [convOut(h, kernel, stride, padding, 1), convOut(w, kernel, stride, padding, 1), c];
  }

  flops(): number { return 0; }
}

/** Mean over height and width: [b, h, w, c] -> [b, c]. */
export class GlobalAvgPool extends Layer {
  readonly kind = 'global_avg_pool';
  readonly config: ModuleConfig = {};
  forward(x: tf.Tensor, _training?: boolean): tf.Tensor { return tf.mean(x, [1, 2]); }
  outputShape(inShape: Shape): Shape { return [inShape[2]]; }
  flops(): number { return 0; }
}

export class Identity extends Layer {
  readonly kind = 'identity';
  readonly config: ModuleConfig = {};
  forward(x: tf.Tensor, _training?: boolean): tf.Tensor { return tf.clone(x); }
  outputShape(inShape: Shape): Shape { return inShape; }
  flops(): number { return 0; }
}

/** DARTS' `none`: zeros shaped like the strided input (x[:, ::s, ::s] * 0). */
export class Zero extends Layer {
  readonly kind = 'zero';
  readonly config: { stride: number };

  constructor(stride: number) {
    super();
    this.config = { stride };
  }

  forward(x: tf.Tensor, _training?: boolean): tf.Tensor {
    const [b, h, w, c] = x.shape;
    const s = this.config.stride;
    return tf.zeros([b, Math.ceil(h / s), Math.ceil(w / s), c]);
  }

  outputShape([h, w, c]: Shape): Shape {
    const s = this.config.stride;
    return [Math.ceil(h / s), Math.ceil(w / s), c];
  }

  flops(): number { return 0; }
}
