/**
 * Candidate operations, built as in the reference code bases (quark0/darts `operations.py`,
 * NAS-Bench-201 `cell_operations.py`, MobileNetV2/MnasNet inverted residuals) so that parameter
 * counts match theirs. The registry `OPS` maps a genotype's op name to a builder.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, Residual, Sequential, type Shape } from './module.ts';
import { BatchNorm, Conv2d, Identity, Pool2d, ReLU, Zero } from './layers.ts';
import { GlobalAttention, WindowAttention, attentionOp } from './attention.ts';

/** ReLU -> conv k x k (no bias) -> BN. DARTS' ReLUConvBN and NAS-Bench-201's nor_conv. */
export function reluConvBn(cin: number, cout: number, kernel: number, stride: number, rng: Rng, affine = true): Sequential {
  return new Sequential([
    ['relu', new ReLU()],
    ['conv', new Conv2d(cin, cout, kernel, rng, { stride })],
    ['bn', new BatchNorm(cout, { affine })],
  ], 'relu_conv_bn');
}

/** Conv k x k (no bias) -> BN -> ReLU: stems and plain conv layers of block networks. */
export function convBnRelu(cin: number, cout: number, kernel: number, stride: number, rng: Rng, dilation = 1): Sequential {
  return new Sequential([
    ['conv', new Conv2d(cin, cout, kernel, rng, { stride, dilation })],
    ['bn', new BatchNorm(cout)],
    ['relu', new ReLU()],
  ], 'conv_bn_relu');
}

/** DARTS SepConv: (ReLU, depthwise k x k, pointwise, BN) twice; only the first depthwise is strided. */
export function sepConv(cin: number, cout: number, kernel: number, stride: number, rng: Rng, affine = true): Sequential {
  return new Sequential([
    ['relu1', new ReLU()],
    ['dw1', new Conv2d(cin, cin, kernel, rng, { stride, groups: cin })],
    ['pw1', new Conv2d(cin, cin, 1, rng)],
    ['bn1', new BatchNorm(cin, { affine })],
    ['relu2', new ReLU()],
    ['dw2', new Conv2d(cin, cin, kernel, rng, { groups: cin })],
    ['pw2', new Conv2d(cin, cout, 1, rng)],
    ['bn2', new BatchNorm(cout, { affine })],
  ], 'sep_conv');
}

/** DARTS DilConv: ReLU, depthwise k x k with dilation 2, pointwise, BN. */
export function dilConv(cin: number, cout: number, kernel: number, stride: number, rng: Rng, affine = true): Sequential {
  return new Sequential([
    ['relu', new ReLU()],
    ['dw', new Conv2d(cin, cin, kernel, rng, { stride, dilation: 2, groups: cin })],
    ['pw', new Conv2d(cin, cout, 1, rng)],
    ['bn', new BatchNorm(cout, { affine })],
  ], 'dil_conv');
}

/**
 * DARTS FactorizedReduce: halves the resolution without discarding pixels: two 1x1 stride-2
 * convs, one on x and one on x shifted by one pixel, concatenated, then BN. The shifted branch
 * is zero-padded at the far edge so odd sizes work (even sizes match the reference exactly).
 */
export class FactorizedReduce extends Layer {
  readonly kind = 'factorized_reduce';
  readonly config: { cin: number; cout: number; affine: boolean };
  private readonly relu: ReLU;
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly bn: BatchNorm;

  constructor(cin: number, cout: number, rng: Rng, affine = true) {
    super();
    if (cout % 2 !== 0) throw new Error(`FactorizedReduce needs an even number of output channels, got ${cout}`);
    this.config = { cin, cout, affine };
    // A child rather than tf.relu, so that analyses hooking every ReLU (NASWOT) see this one too.
    this.relu = this.addChild('relu', new ReLU());
    this.conv1 = this.addChild('conv_1', new Conv2d(cin, cout / 2, 1, rng, { stride: 2 }));
    this.conv2 = this.addChild('conv_2', new Conv2d(cin, cout / 2, 1, rng, { stride: 2 }));
    this.bn = this.addChild('bn', new BatchNorm(cout, { affine }));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const r = this.relu.forward(x) as tf.Tensor4D;
      // r shifted up-left by one pixel, zero at the far edge, as a 2x2 depthwise conv whose only
      // unit tap is the bottom-right one: wasm runs Slice and Pad element by element, conv grads fast.
      const c = r.shape[3];
      const tap = tf.buffer([2, 2, c, 1]);
      for (let i = 0; i < c; i++) tap.set(1, 1, 1, i, 0);
      const shifted = tf.depthwiseConv2d(r, tap.toTensor() as tf.Tensor4D, 1, [[0, 0], [0, 1], [0, 1], [0, 0]]);
      const y = tf.concat([this.conv1.forward(r, training), this.conv2.forward(shifted, training)], 3);
      return this.bn.forward(y, training);
    });
  }

  outputShape([h, w, c]: Shape): Shape {
    if (c !== this.config.cin) throw new Error(`FactorizedReduce expects ${this.config.cin} channels, got ${c}`);
    return [Math.ceil(h / 2), Math.ceil(w / 2), this.config.cout];
  }

  flops(inShape: Shape): number { return this.conv1.flops(inShape) + this.conv2.flops(inShape); }
}

/**
 * Inverted residual (MobileNetV2/MnasNet): 1x1 expand (skipped when expand == 1) BN ReLU,
 * depthwise k x k stride s (dilation d) BN ReLU, 1x1 project BN; identity shortcut when s == 1 and cin == cout.
 */
export function mbconv(cin: number, cout: number, kernel: number, stride: number, expand: number, rng: Rng, dilation = 1): Layer {
  const mid = cin * expand;
  const layers: [string, Layer][] = [];
  if (expand !== 1) layers.push(['expand', new Conv2d(cin, mid, 1, rng)], ['bn0', new BatchNorm(mid)], ['relu0', new ReLU()]);
  layers.push(
    ['dw', new Conv2d(mid, mid, kernel, rng, { stride, dilation, groups: mid })], ['bn1', new BatchNorm(mid)], ['relu1', new ReLU()],
    ['project', new Conv2d(mid, cout, 1, rng)], ['bn2', new BatchNorm(cout)],
  );
  const body = new Sequential(layers, 'mbconv');
  return stride === 1 && cin === cout ? new Residual(body) : body;
}

/**
 * NAS-Bench-201 ResNetBasicblock, the reduction between stages: ReLUConvBN 3x3 (stride) then
 * ReLUConvBN 3x3, plus a shortcut (2x2 avg pool then 1x1 conv when strided).
 */
export class ResNetBasicBlock extends Layer {
  readonly kind = 'resnet_basic_block';
  readonly config: { cin: number; cout: number; stride: number };
  private readonly convA: Layer;
  private readonly convB: Layer;
  private readonly downsample?: Layer;

  constructor(cin: number, cout: number, stride: number, rng: Rng) {
    super();
    this.config = { cin, cout, stride };
    this.convA = this.addChild('conv_a', reluConvBn(cin, cout, 3, stride, rng));
    this.convB = this.addChild('conv_b', reluConvBn(cout, cout, 3, 1, rng));
    if (stride === 2) {
      this.downsample = this.addChild('downsample', new Sequential([
        ['pool', new Pool2d('avg', 2, 2, 0)],
        ['conv', new Conv2d(cin, cout, 1, rng)],
      ]));
    } else if (cin !== cout) {
      this.downsample = this.addChild('downsample', reluConvBn(cin, cout, 1, 1, rng));
    }
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const y = this.convB.forward(this.convA.forward(x, training), training);
      return tf.add(this.downsample ? this.downsample.forward(x, training) : x, y);
    });
  }

  outputShape(inShape: Shape): Shape { return this.convB.outputShape(this.convA.outputShape(inShape)); }

  flops(inShape: Shape): number {
    return this.convA.flops(inShape) + this.convB.flops(this.convA.outputShape(inShape)) + (this.downsample?.flops(inShape) ?? 0);
  }
}

export interface OpOptions {
  /** Learnable BN scale/shift; the DARTS supernet builds its ops with affine=false. */
  affine?: boolean;
  /** Window attention: shift the windows by half a window (Swin's alternate blocks). */
  shift?: boolean;
  /** Window attention: tokens per window side (default 4). */
  windowSize?: number;
  /** Attention heads (default: see defaultHeads). */
  heads?: number;
}

export type OpBuilder = (C: number, stride: number, rng: Rng, opts?: OpOptions) => Layer;

const named = (name: string, build: OpBuilder): OpBuilder => (C, stride, rng, opts) => {
  const op = build(C, stride, rng, opts);
  op.opName = name;
  return op;
};

/** Every operation name used by the spaces, keeping C channels; stride 1 or 2. */
export const OPS: Readonly<Record<string, OpBuilder>> = Object.fromEntries(Object.entries({
  none: (_C, stride) => new Zero(stride),
  max_pool_3x3: (_C, stride) => new Pool2d('max', 3, stride, 1),
  avg_pool_3x3: (_C, stride) => new Pool2d('avg', 3, stride, 1),
  skip_connect: (C, stride, rng, o) => (stride === 1 ? new Identity() : new FactorizedReduce(C, C, rng, o?.affine ?? true)),
  sep_conv_3x3: (C, stride, rng, o) => sepConv(C, C, 3, stride, rng, o?.affine ?? true),
  sep_conv_5x5: (C, stride, rng, o) => sepConv(C, C, 5, stride, rng, o?.affine ?? true),
  dil_conv_3x3: (C, stride, rng, o) => dilConv(C, C, 3, stride, rng, o?.affine ?? true),
  dil_conv_5x5: (C, stride, rng, o) => dilConv(C, C, 5, stride, rng, o?.affine ?? true),
  conv_3x3: (C, stride, rng, o) => reluConvBn(C, C, 3, stride, rng, o?.affine ?? true),
  conv_5x5: (C, stride, rng, o) => reluConvBn(C, C, 5, stride, rng, o?.affine ?? true),
  nor_conv_1x1: (C, stride, rng, o) => reluConvBn(C, C, 1, stride, rng, o?.affine ?? true),
  nor_conv_3x3: (C, stride, rng, o) => reluConvBn(C, C, 3, stride, rng, o?.affine ?? true),
  win_attn: (C, stride, rng, o) => attentionOp(C, C, stride, rng, new WindowAttention(C, rng, o), o?.affine ?? true),
  global_attn: (C, stride, rng, o) => attentionOp(C, C, stride, rng, new GlobalAttention(C, rng, o), o?.affine ?? true),
} satisfies Record<string, OpBuilder>).map(([name, build]) => [name, named(name, build)]));

export function buildOp(name: string, C: number, stride: number, rng: Rng, opts?: OpOptions): Layer {
  const build = OPS[name];
  if (!build) throw new Error(`unknown operation '${name}' (known: ${Object.keys(OPS).join(', ')})`);
  return build(C, stride, rng, opts);
}
