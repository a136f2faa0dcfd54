/** Primitive layers: convolution, normalisation, dense, activations, pooling, identity and zero. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { batchNormInfer, batchNormTrain } from '../backend/fused.ts';
import { registerDilatedGradients } from '../backend/dilated-grads.ts';
import { Layer, type ChannelAffine, type Epilogue, type Fusable, type ModuleConfig, type Shape } from './module.ts';
import { filled, heNormal, normalValues } from './init.ts';

const convOut = (size: number, k: number, stride: number, pad: number, dilation: number): number =>
  Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;

/**
 * Every s-th row and column starting at 0, as a strided 1x1 depthwise convolution with unit
 * weights: tf.js has no gradient for StridedSlice, and the 6-D slice that could stand in for it
 * runs element by element on wasm, while the depthwise backprop kernels are fast.
 */
export function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.tidy(() => tf.depthwiseConv2d(x, tf.ones([1, 1, x.shape[3], 1]) as tf.Tensor4D, s, 0));
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
export class Conv2d extends Layer implements Fusable {
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
    // tfjs itself refuses to differentiate dilated convs, whichever backend is (or will be) active.
    if (dilation > 1) registerDilatedGradients();
    this.config = { cin, cout, kernel, stride: o.stride ?? 1, padding, dilation, groups, bias: o.bias ?? false, layout: 'HWIO' };
    const fanIn = (kernel * kernel * cin) / groups;
    const shape = groups === 1 ? [kernel, kernel, cin, cout] : [kernel, kernel, cin, 1];
    this.kernel = this.addParam('kernel', shape, heNormal(rng, shape.reduce((a, b) => a * b), fanIn));
    if (this.config.bias) this.bias = this.addParam('bias', [cout], filled(cout, 0));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor { return this.hooked(this.forwardFused(x, training, { relu: false })); }

  /**
   * The convolution followed by a channel affine (folded into the filter and bias) and/or a ReLU;
   * bias and ReLU run inside the convolution kernel where tfjs can fuse them.
   */
  forwardFused(x: tf.Tensor, _training: boolean, { affine, relu }: Epilogue): tf.Tensor {
    const { stride, padding, dilation, groups } = this.config;
    const activation = relu ? 'relu' : 'linear';
    return tf.tidy(() => {
      let filter = this.kernel as unknown as tf.Tensor4D;
      let bias = this.bias as tf.Tensor1D | undefined;
      if (affine) {
        // Output channel o is scaled by scale[o]: the last filter axis, or the input axis of a depthwise filter.
        filter = tf.mul(filter, groups === 1 ? affine.scale : tf.reshape(affine.scale, [-1, 1]));
        bias = (bias ? tf.add(tf.mul(bias, affine.scale), affine.shift) : affine.shift) as tf.Tensor1D;
      }
      const run = (input: tf.Tensor4D, strides: number, pad: number, dilations: number): tf.Tensor4D => {
        // tfjs' fused-conv gradient refuses dilations; dilated convs add their bias separately.
        if (dilations === 1 && (bias || relu)) {
          const args = { x: input, filter, strides, pad, bias, activation } as const;
          return groups === 1 ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
        }
        let y = groups === 1 ? tf.conv2d(input, filter, strides, pad, 'NHWC', dilations) : tf.depthwiseConv2d(input, filter, strides, pad, 'NHWC', dilations);
        if (bias) y = tf.add(y, bias);
        return relu ? tf.relu(y) : y;
      };
      const x4 = x as tf.Tensor4D;
      if (dilation === 1 || stride === 1) return run(x4, stride, padding, dilation);
      // tfjs allows strides or dilations above 1, not both. With stride == dilation and padding a
      // multiple of it, every tap reads a pixel at a multiple of d: an undilated conv over those pixels.
      if (stride === dilation && padding % dilation === 0) return run(subsample(x4, dilation), 1, padding / dilation, 1);
      return subsample(run(x4, 1, padding, dilation), stride);
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
export class BatchNorm extends Layer implements ChannelAffine {
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

  /** Inference as y = x * scale + shift, from the running statistics. */
  inferenceAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.rsqrt(tf.add(this.runningVar, this.config.eps));
      const gScale = (this.gamma ? tf.mul(scale, this.gamma) : scale) as tf.Tensor1D;
      const shift = tf.neg(tf.mul(this.runningMean, gScale));
      return { scale: gScale, shift: (this.beta ? tf.add(shift, this.beta) : shift) as tf.Tensor1D };
    });
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const { channels, eps, momentum } = this.config;
    return tf.tidy(() => {
      const gamma = this.gamma as tf.Tensor1D | undefined;
      const beta = this.beta as tf.Tensor1D | undefined;
      if (!training) {
        return batchNormInfer(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D,
          gamma ?? tf.ones([channels]), beta ?? tf.zeros([channels]), eps);
      }
      // Closed-form gradient (search/backend/fused.ts): tfjs' own batchnorm gradient is slow on wasm.
      const { y, mean, variance } = batchNormTrain(x, gamma, beta, eps);
      const n = x.size / channels;
      const unbiased = n > 1 ? n / (n - 1) : 1;
      // Assignments are not recorded on the gradient tape: the statistics stay state.
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - momentum), tf.mul(mean, momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - momentum), tf.mul(variance, momentum * unbiased)));
      return y;
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
      return this.hooked(tf.reshape(y, [...x.shape.slice(0, -1), cout]));
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
  forward(x: tf.Tensor, _training?: boolean): tf.Tensor { return this.hooked(tf.relu(x)); }
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
    if (this.kind === 'max_pool') return tf.maxPool(x as tf.Tensor4D, kernel, stride, padding);
    // Window sums as a depthwise convolution with unit weights, divided by the count of real
    // inputs; the gradient is the depthwise input-gradient kernel on dy / count. tfjs' AvgPoolGrad
    // takes ~10x that on wasm, and divides by the whole window even where padding was excluded.
    const [, h, w, c] = x.shape;
    const attrs = { strides: stride, pad: padding, dilations: 1, inputShape: x.shape };
    const pool = tf.customGrad((xi, save) => {
      const ones = tf.ones([kernel, kernel, c, 1]) as tf.Tensor4D;
      const counts = tf.depthwiseConv2d(tf.ones([1, h, w, 1]) as tf.Tensor4D, tf.ones([kernel, kernel, 1, 1]) as tf.Tensor4D, stride, padding);
      (save as (t: tf.Tensor[]) => void)([ones, counts]);
      return {
        value: tf.div(tf.depthwiseConv2d(xi as tf.Tensor4D, ones, stride, padding), counts),
        gradFunc: (dy: tf.Tensor, [filter, n]: tf.Tensor[]) =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.div(dy, n), filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    });
    return pool(x);
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
