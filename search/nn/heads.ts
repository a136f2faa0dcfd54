/**
 * Heads over a backbone's multi-level features. The classifier pools the deepest map; the
 * segmentation heads return per-pixel logits at the input resolution (bilinear upsampling with
 * half-pixel centres, i.e. PyTorch's align_corners=False and ONNX Resize 'half_pixel').
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { ModuleList, Sequential, type Shape } from './module.ts';
import { BatchNorm, Conv2d, Dense, GlobalAvgPool, ReLU } from './layers.ts';
import { Head } from './network.ts';
import { MaskTransformerHead } from './mask-transformer.ts';

export type HeadKind = 'classifier' | 'ppm' | 'fpn' | 'upsample' | 'upernet' | 'pup' | 'mask';

const resize = (x: tf.Tensor, h: number, w: number): tf.Tensor =>
  x.shape[1] === h && x.shape[2] === w ? x : tf.image.resizeBilinear(x as tf.Tensor4D, [h, w], false, true);

const convBnRelu = (cin: number, cout: number, k: number, rng: Rng): Sequential => new Sequential([
  ['conv', new Conv2d(cin, cout, k, rng)], ['bn', new BatchNorm(cout)], ['relu', new ReLU()],
], 'conv_bn_relu');

/** Global average pool + dense on the deepest features. */
export class ClassifierHead extends Head {
  readonly kind = 'classifier_head';
  readonly config: { cin: number; classes: number };
  private readonly pool = new GlobalAvgPool();
  private readonly fc: Dense;

  constructor(cin: number, classes: number, rng: Rng) {
    super();
    this.config = { cin, classes };
    this.fc = this.addChild('classifier', new Dense(cin, classes, rng));
  }

  forward(features: tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.fc.forward(this.pool.forward(features[features.length - 1])));
  }

  outputShape(): Shape { return [this.config.classes]; }
  flops(shapes: Shape[]): number { return this.fc.flops([shapes[shapes.length - 1][2]]); }
}

/** 1x1 conv to class logits on the deepest features, upsampled to the input. */
export class UpsampleHead extends Head {
  readonly kind = 'upsample_head';
  readonly config: { cin: number; classes: number };
  private readonly conv: Conv2d;

  constructor(cin: number, classes: number, rng: Rng) {
    super();
    this.config = { cin, classes };
    this.conv = this.addChild('classifier', new Conv2d(cin, classes, 1, rng, { bias: true }));
  }

  forward(features: tf.Tensor[], [h, w]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => resize(this.conv.forward(features[features.length - 1], training), h, w));
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }
  flops(shapes: Shape[]): number { return this.conv.flops(shapes[shapes.length - 1]); }
}

/**
 * Row-stochastic matrix [b*b, h*w] of PyTorch's adaptive average pooling to b x b
 * (cell i spans floor(i*h/b) .. ceil((i+1)*h/b)).
 */
export function adaptivePoolMatrix(h: number, w: number, bins: number): Float32Array {
  const m = new Float32Array(bins * bins * h * w);
  for (let i = 0; i < bins; i++) {
    const y0 = Math.floor((i * h) / bins), y1 = Math.ceil(((i + 1) * h) / bins);
    for (let j = 0; j < bins; j++) {
      const x0 = Math.floor((j * w) / bins), x1 = Math.ceil(((j + 1) * w) / bins);
      const inv = 1 / ((y1 - y0) * (x1 - x0));
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[(i * bins + j) * h * w + y * w + x] = inv;
    }
  }
  return m;
}

/** Adaptive average pooling of [b, h, w, c] to [b, bins, bins, c], as one matmul. */
function adaptiveAvgPool(x: tf.Tensor4D, bins: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const p = tf.tensor2d(adaptivePoolMatrix(h, w, bins), [bins * bins, h * w]);
  const cols = tf.reshape(tf.transpose(tf.reshape(x, [b, h * w, c]), [1, 0, 2]), [h * w, b * c]) as tf.Tensor2D;
  return tf.transpose(tf.reshape(tf.matMul(p, cols), [bins, bins, b, c]), [2, 0, 1, 3]) as tf.Tensor4D;
}

/** x concatenated with, per bin, its adaptive average pool through that bin's branch, upsampled back. */
function withPyramid(x: tf.Tensor4D, bins: number[], branches: Sequential[], training: boolean): tf.Tensor {
  const [, h, w] = x.shape;
  return tf.concat([x, ...bins.map((b, i) => resize(branches[i].forward(adaptiveAvgPool(x, b), training), h, w))], 3);
}

/**
 * PSPNet pyramid pooling on the deepest features: per bin (1, 2, 3, 6) adaptive average pool,
 * 1x1 conv (cin/4) BN ReLU, upsample; concat with the input; 3x3 conv BN ReLU; 1x1 conv to classes.
 */
export class PyramidPoolingHead extends Head {
  readonly kind = 'ppm_head';
  readonly config: { cin: number; classes: number; bins: number[]; branch: number; dim: number };
  private readonly branches: ModuleList<Sequential>;
  private readonly fuse: Sequential;
  private readonly classifier: Conv2d;

  constructor(cin: number, classes: number, rng: Rng, o: { bins?: number[]; dim?: number } = {}) {
    super();
    const bins = o.bins ?? [1, 2, 3, 6];
    const branch = Math.max(1, Math.floor(cin / 4));
    const dim = o.dim ?? 64;
    this.config = { cin, classes, bins, branch, dim };
    this.branches = this.addChild('branches', new ModuleList(bins.map(() => convBnRelu(cin, branch, 1, rng))));
    this.fuse = this.addChild('fuse', convBnRelu(cin + bins.length * branch, dim, 3, rng));
    this.classifier = this.addChild('classifier', new Conv2d(dim, classes, 1, rng, { bias: true }));
  }

  forward(features: tf.Tensor[], [H, W]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const x = features[features.length - 1] as tf.Tensor4D;
      const fused = this.fuse.forward(withPyramid(x, this.config.bins, this.branches.items, training), training);
      return resize(this.classifier.forward(fused, training), H, W);
    });
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }

  flops(shapes: Shape[]): number {
    const [h, w, c] = shapes[shapes.length - 1];
    const { bins, dim } = this.config;
    const branchFlops = bins.reduce((s, b, i) => s + this.branches.items[i].flops([b, b, c]), 0);
    return branchFlops + this.fuse.flops([h, w, c + bins.length * this.config.branch]) + this.classifier.flops([h, w, dim]);
  }
}

/**
 * FPN-style fusion: 1x1 lateral convs to `dim` channels, top-down pathway (upsample and add),
 * a 3x3 conv BN ReLU per level, all levels upsampled to the finest and summed (Panoptic-FPN
 * semantic branch, simplified), then 1x1 conv to classes and upsampling to the input.
 */
export class FpnHead extends Head {
  readonly kind = 'fpn_head';
  readonly config: { channels: number[]; classes: number; dim: number };
  private readonly laterals: ModuleList<Conv2d>;
  private readonly smooth: ModuleList<Sequential>;
  private readonly classifier: Conv2d;

  constructor(channels: number[], classes: number, rng: Rng, o: { dim?: number } = {}) {
    super();
    const dim = o.dim ?? 64;
    this.config = { channels, classes, dim };
    this.laterals = this.addChild('laterals', new ModuleList(channels.map((c) => new Conv2d(c, dim, 1, rng, { bias: true }))));
    this.smooth = this.addChild('smooth', new ModuleList(channels.map(() => convBnRelu(dim, dim, 3, rng))));
    this.classifier = this.addChild('classifier', new Conv2d(dim, classes, 1, rng, { bias: true }));
  }

  forward(features: tf.Tensor[], [H, W]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const lat = features.map((f, i) => this.laterals.items[i].forward(f, training));
      const td: tf.Tensor[] = new Array(lat.length);
      for (let i = lat.length - 1; i >= 0; i--) {
        td[i] = i === lat.length - 1 ? lat[i] : tf.add(lat[i], resize(td[i + 1], lat[i].shape[1]!, lat[i].shape[2]!));
      }
      const [, h, w] = features[0].shape;
      const fused = tf.addN(td.map((t, i) => resize(this.smooth.items[i].forward(t, training), h!, w!)));
      return resize(this.classifier.forward(fused, training), H, W);
    });
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }

  flops(shapes: Shape[]): number {
    const { dim } = this.config;
    const [h, w] = shapes[0];
    return shapes.reduce((s, sh, i) => s + this.laterals.items[i].flops(sh) + this.smooth.items[i].flops([sh[0], sh[1], dim]), 0) +
      this.classifier.flops([h, w, dim]);
  }
}

/**
 * UperNet (Xiao et al., 2018; mmsegmentation's UPerHead, the decoder of Swin's segmentation
 * models): a PSPNet pyramid (branches of `dim` channels) on the deepest map, its 3x3 bottleneck
 * taking the top of an FPN whose other levels get 1x1 laterals (conv BN ReLU); top-down
 * upsample-and-add, a 3x3 conv BN ReLU on every level but the top, all levels upsampled to the
 * finest, concatenated, fused by a 3x3 conv BN ReLU, then 1x1 conv to classes.
 */
export class UperNetHead extends Head {
  readonly kind = 'upernet_head';
  readonly config: { channels: number[]; classes: number; bins: number[]; dim: number };
  private readonly branches: ModuleList<Sequential>;
  private readonly bottleneck: Sequential;
  private readonly laterals: ModuleList<Sequential>;
  private readonly fpnConvs: ModuleList<Sequential>;
  private readonly fuse: Sequential;
  private readonly classifier: Conv2d;

  constructor(channels: number[], classes: number, rng: Rng, o: { bins?: number[]; dim?: number } = {}) {
    super();
    const bins = o.bins ?? [1, 2, 3, 6];
    const dim = o.dim ?? 32;
    const top = channels[channels.length - 1];
    const rest = channels.slice(0, -1);
    this.config = { channels, classes, bins, dim };
    this.branches = this.addChild('branches', new ModuleList(bins.map(() => convBnRelu(top, dim, 1, rng))));
    this.bottleneck = this.addChild('bottleneck', convBnRelu(top + bins.length * dim, dim, 3, rng));
    this.laterals = this.addChild('laterals', new ModuleList(rest.map((c) => convBnRelu(c, dim, 1, rng))));
    this.fpnConvs = this.addChild('fpn_convs', new ModuleList(rest.map(() => convBnRelu(dim, dim, 3, rng))));
    this.fuse = this.addChild('fuse', convBnRelu(channels.length * dim, dim, 3, rng));
    this.classifier = this.addChild('classifier', new Conv2d(dim, classes, 1, rng, { bias: true }));
  }

  forward(features: tf.Tensor[], [H, W]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const top = features.length - 1;
      const lat = features.slice(0, top).map((f, i) => this.laterals.items[i].forward(f, training));
      lat.push(this.bottleneck.forward(withPyramid(features[top] as tf.Tensor4D, this.config.bins, this.branches.items, training), training));
      for (let i = top; i > 0; i--) lat[i - 1] = tf.add(lat[i - 1], resize(lat[i], lat[i - 1].shape[1]!, lat[i - 1].shape[2]!));
      const [, h, w] = features[0].shape;
      const outs = lat.map((t, i) => resize(i < top ? this.fpnConvs.items[i].forward(t, training) : t, h!, w!));
      const fused = this.fuse.forward(outs.length === 1 ? outs[0] : tf.concat(outs, 3), training);
      return resize(this.classifier.forward(fused, training), H, W);
    });
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }

  flops(shapes: Shape[]): number {
    const { bins, dim } = this.config;
    const [th, tw, tc] = shapes[shapes.length - 1];
    const [h, w] = shapes[0];
    const pyramid = bins.reduce((s, b, i) => s + this.branches.items[i].flops([b, b, tc]), 0) +
      this.bottleneck.flops([th, tw, tc + bins.length * dim]);
    const levels = shapes.slice(0, -1).reduce((s, sh, i) => s + this.laterals.items[i].flops(sh) + this.fpnConvs.items[i].flops([sh[0], sh[1], dim]), 0);
    return pyramid + levels + this.fuse.flops([h, w, shapes.length * dim]) + this.classifier.flops([h, w, dim]);
  }
}

/**
 * SETR's progressive upsampling decoder (Zheng et al., 2021; mmsegmentation's SETRUPHead): from
 * the deepest map, a 3x3 conv BN ReLU then 2x bilinear upsampling, once per halving of the
 * stride, so the last upsampling reaches the input; then 1x1 conv to classes.
 */
export class ProgressiveUpsamplingHead extends Head {
  readonly kind = 'pup_head';
  readonly config: { cin: number; classes: number; dim: number; steps: number };
  private readonly convs: ModuleList<Sequential>;
  private readonly classifier: Conv2d;

  constructor(cin: number, classes: number, stride: number, rng: Rng, o: { dim?: number } = {}) {
    super();
    const steps = Math.round(Math.log2(stride));
    if (2 ** steps !== stride) throw new Error(`progressive upsampling needs a power-of-two stride, got ${stride}`);
    const dim = o.dim ?? 32;
    this.config = { cin, classes, dim, steps };
    this.convs = this.addChild('convs', new ModuleList(Array.from({ length: steps }, (_, i) => convBnRelu(i === 0 ? cin : dim, dim, 3, rng))));
    this.classifier = this.addChild('classifier', new Conv2d(steps === 0 ? cin : dim, classes, 1, rng, { bias: true }));
  }

  forward(features: tf.Tensor[], [H, W]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      let y = features[features.length - 1];
      for (const conv of this.convs.items) {
        const z = conv.forward(y, training);
        y = resize(z, 2 * z.shape[1]!, 2 * z.shape[2]!);
      }
      return resize(this.classifier.forward(y, training), H, W);
    });
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }

  flops(shapes: Shape[]): number {
    let [h, w, c] = shapes[shapes.length - 1];
    let total = 0;
    for (const conv of this.convs.items) {
      total += conv.flops([h, w, c]);
      [h, w, c] = [2 * h, 2 * w, this.config.dim];
    }
    return total + this.classifier.flops([h, w, c]);
  }
}

/** The head for a task; segmentation defaults to plain upsampling. `inShape` sets the upsampling steps of 'pup'. */
export function buildHead(kind: HeadKind | undefined, task: 'classification' | 'segmentation', featureShapes: Shape[], classes: number, rng: Rng, inShape?: Shape): Head {
  const chosen = kind ?? (task === 'classification' ? 'classifier' : 'upsample');
  if (task === 'classification' && chosen !== 'classifier') throw new Error(`head '${chosen}' produces per-pixel logits; classification needs 'classifier'`);
  if (task === 'segmentation' && chosen === 'classifier') throw new Error(`segmentation needs a per-pixel head (ppm, fpn, upernet, pup, mask, upsample), not 'classifier'`);
  const deepest = featureShapes[featureShapes.length - 1][2];
  switch (chosen) {
    case 'classifier': return new ClassifierHead(deepest, classes, rng);
    case 'upsample': return new UpsampleHead(deepest, classes, rng);
    case 'ppm': return new PyramidPoolingHead(deepest, classes, rng);
    case 'fpn': return new FpnHead(featureShapes.map((s) => s[2]), classes, rng);
    case 'upernet': return new UperNetHead(featureShapes.map((s) => s[2]), classes, rng);
    case 'mask': return new MaskTransformerHead(deepest, classes, rng);
    case 'pup':
      if (!inShape) throw new Error(`head 'pup' needs the input shape`);
      return new ProgressiveUpsamplingHead(deepest, classes, inShape[0] / featureShapes[featureShapes.length - 1][0], rng);
  }
}

