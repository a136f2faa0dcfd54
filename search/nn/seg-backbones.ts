/**
 * Backbones for segmentation spaces, whose features run from 1/4 to 1/32 of the input:
 * - SegCellBackbone: DARTS cells after a stride-4 stem, with three reduction cells (1/8, 1/16, 1/32)
 *   spread over the depth; fixed genotypes and supernets alike (same EdgeFactory hook as darts.ts).
 * - MinStrideBackbone: another backbone's features without the levels finer than a stride (a block
 *   network's 1/2 stem level).
 * - TwoPathBackbone: BiSeNet's idea: a shallow spatial path (three stride-2 convs, 1/8) fused with
 *   the context path's levels at 1/8 and coarser by the feature fusion module (concat, 1x1 conv BN
 *   ReLU, channel attention); the context levels are resized and concatenated, or ('arm') refined
 *   as BiSeNet's context path does (ArmContextPath). The fused map becomes the deepest feature,
 *   the one ppm/upsample heads read.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Module, ModuleList, Sequential, type ModuleConfig, type Shape } from './module.ts';
import { BatchNorm, Conv2d, ReLU } from './layers.ts';
import { convBnRelu } from './ops.ts';
import type { DartsCell, EdgeFactory } from './cell.ts';
import { buildCellStack, cellStackFlops, cellStackShapes, runCellStack, type CellPlan } from './cell-stack.ts';
import { Backbone, atLevelEnds, type BackboneOutput, type ForwardContext } from './network.ts';

/** Cell indices of the three reductions of a `layers`-cell segmentation backbone. */
export function segReductions(layers: number): number[] {
  if (layers < 3) throw new Error(`a segmentation cell backbone needs at least 3 cells (three reductions to 1/32), got ${layers}`);
  return [1, 2, 3].map((i) => Math.floor((i * layers) / 4));
}

const resize = (x: tf.Tensor, h: number, w: number): tf.Tensor =>
  x.shape[1] === h && x.shape[2] === w ? x : tf.image.resizeBilinear(x as tf.Tensor4D, [h, w], false, true);

export class SegCellBackbone extends Backbone {
  readonly kind = 'seg_cell_backbone';
  readonly config: ModuleConfig & { C: number; layers: number; stemChannels: number; inChannels: number; reductions: number[] };
  private readonly stem: Sequential;
  readonly cells: ModuleList<DartsCell>;

  constructor(plan: CellPlan, o: { C: number; layers: number; inChannels: number; stemMultiplier?: number; affine?: boolean }, rng: Rng, factory: EdgeFactory) {
    super();
    const reductions = segReductions(o.layers);
    const stemChannels = (o.stemMultiplier ?? 2) * o.C;
    this.config = { C: o.C, layers: o.layers, stemChannels, inChannels: o.inChannels, reductions };
    this.stem = this.addChild('stem', new Sequential([
      ['conv0', new Conv2d(o.inChannels, Math.max(8, stemChannels >> 1), 3, rng, { stride: 2 })],
      ['bn0', new BatchNorm(Math.max(8, stemChannels >> 1))], ['relu0', new ReLU()],
      ['conv1', new Conv2d(Math.max(8, stemChannels >> 1), stemChannels, 3, rng, { stride: 2 })],
      ['bn1', new BatchNorm(stemChannels)],
    ]));
    this.cells = this.addChild('cells', new ModuleList(buildCellStack(plan, { stemChannels, C: o.C, layers: o.layers, reductions, affine: o.affine }, rng, factory)));
  }

  run(x: tf.Tensor, training: boolean, ctx: ForwardContext = {}): BackboneOutput {
    const s0 = this.stem.forward(x, training);
    return { features: atLevelEnds(this.unitShapes(x.shape.slice(1)), [s0, ...runCellStack(this.cells.items, s0, training, ctx)]) };
  }

  /** The shape the first cell reads (the latency-site walk starts here). */
  stemShape(inShape: Shape): Shape { return this.stem.outputShape(inShape); }

  private unitShapes(inShape: Shape): Shape[] {
    const s0 = this.stemShape(inShape);
    return [s0, ...cellStackShapes(this.cells.items, s0)];
  }

  featureShapes(inShape: Shape): Shape[] {
    const shapes = this.unitShapes(inShape);
    return atLevelEnds(shapes, shapes);
  }

  auxShape(): undefined { return undefined; }

  flops(inShape: Shape): number {
    return this.stem.flops(inShape) + cellStackFlops(this.cells.items, this.stem.outputShape(inShape));
  }
}

/** Levels of `inner` whose stride (input height / map height) is at least `minStride`. */
export class MinStrideBackbone extends Backbone {
  readonly kind = 'min_stride_backbone';
  readonly config: ModuleConfig & { minStride: number };
  readonly inner: Backbone;

  constructor(inner: Backbone, minStride: number) {
    super();
    this.config = { minStride };
    this.inner = this.addChild('inner', inner);
  }

  private keep(inShape: Shape): boolean[] {
    return this.inner.featureShapes(inShape).map((s) => inShape[0] / s[0] >= this.config.minStride);
  }

  run(x: tf.Tensor, training: boolean, ctx?: ForwardContext): BackboneOutput {
    const keep = this.keep(x.shape.slice(1));
    const out = this.inner.run(x, training, ctx);
    const features = out.features.filter((_, i) => keep[i]);
    if (features.length === 0) throw new Error(`no feature level reaches stride ${this.config.minStride}`);
    return { features };
  }

  featureShapes(inShape: Shape): Shape[] {
    const keep = this.keep(inShape);
    return this.inner.featureShapes(inShape).filter((_, i) => keep[i]);
  }

  auxShape(): undefined { return undefined; }
  flops(inShape: Shape): number { return this.inner.flops(inShape); }
}

/** Conv 1x1 (bias) -> ReLU -> conv 1x1 (bias) -> sigmoid on the pooled map; out = f + f * attention. */
class ChannelAttention extends Module {
  readonly kind = 'channel_attention';
  readonly config: { C: number };
  private readonly fc1: Conv2d;
  private readonly fc2: Conv2d;

  constructor(C: number, rng: Rng) {
    super();
    this.config = { C };
    this.fc1 = this.addChild('fc1', new Conv2d(C, C, 1, rng, { bias: true }));
    this.fc2 = this.addChild('fc2', new Conv2d(C, C, 1, rng, { bias: true }));
  }

  forward(f: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const a = tf.sigmoid(this.fc2.forward(tf.relu(this.fc1.forward(tf.mean(f, [1, 2], true), training)), training));
      return tf.add(f, tf.mul(f, a));
    });
  }

  flops(): number { return 2 * this.config.C * this.config.C; }
}

/**
 * BiSeNet's attention refinement module: conv 3x3 BN ReLU to C channels (as the reference
 * implementations do before it), then f * sigmoid(BN(conv 1x1(mean f))).
 */
export class AttentionRefinement extends Module {
  readonly kind = 'attention_refinement';
  readonly config: { cin: number; C: number };
  private readonly conv: Sequential;
  private readonly attn: Conv2d;
  private readonly bn: BatchNorm;

  constructor(cin: number, C: number, rng: Rng) {
    super();
    this.config = { cin, C };
    this.conv = this.addChild('conv', convBnRelu(cin, C, 3, 1, rng));
    this.attn = this.addChild('attn', new Conv2d(C, C, 1, rng));
    this.bn = this.addChild('bn', new BatchNorm(C));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const f = this.conv.forward(x, training);
      return tf.mul(f, tf.sigmoid(this.bn.forward(this.attn.forward(tf.mean(f, [1, 2], true), training), training)));
    });
  }

  flops([h, w]: Shape): number { return this.conv.flops([h, w, this.config.cin]) + this.config.C * this.config.C; }
}

/**
 * BiSeNet's context path on a backbone's levels (finest first): the deepest refined by its ARM
 * plus the global context (mean, 1x1 conv BN ReLU, broadcast), then top-down: upsample to the next
 * level, 3x3 conv BN ReLU, add that level's ARM output; the last sum is upsampled to `at` and
 * convolved once more. C channels throughout.
 */
export class ArmContextPath extends Module {
  readonly kind = 'arm_context_path';
  readonly config: { channels: number[]; C: number };
  private readonly arms: ModuleList<AttentionRefinement>;
  private readonly global: Sequential;
  private readonly convs: ModuleList<Sequential>;

  constructor(channels: number[], C: number, rng: Rng) {
    super();
    this.config = { channels, C };
    this.arms = this.addChild('arms', new ModuleList(channels.map((c) => new AttentionRefinement(c, C, rng))));
    this.global = this.addChild('global', convBnRelu(channels[channels.length - 1], C, 1, 1, rng));
    this.convs = this.addChild('convs', new ModuleList(channels.map(() => convBnRelu(C, C, 3, 1, rng))));
  }

  run(levels: tf.Tensor[], [h, w]: Shape, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const top = levels.length - 1;
      let y = tf.add(this.arms.items[top].forward(levels[top], training), this.global.forward(tf.mean(levels[top], [1, 2], true), training));
      for (let i = top; i >= 0; i--) {
        const [th, tw] = i > 0 ? levels[i - 1].shape.slice(1) : [h, w];
        y = this.convs.items[i].forward(resize(y, th, tw), training);
        if (i > 0) y = tf.add(this.arms.items[i - 1].forward(levels[i - 1], training), y);
      }
      return y;
    });
  }

  flops(levels: Shape[], [h, w]: Shape): number {
    const { C, channels } = this.config;
    const arms = levels.reduce((s, l, i) => s + this.arms.items[i].flops(l), 0);
    const convs = levels.reduce((s, _l, i) => s + this.convs.items[i].flops(i > 0 ? [levels[i - 1][0], levels[i - 1][1], C] : [h, w, C]), 0);
    return arms + channels[channels.length - 1] * C + convs;
  }
}

export type ContextPathKind = 'resize' | 'arm';

export class TwoPathBackbone extends Backbone {
  readonly kind = 'two_path_backbone';
  readonly config: ModuleConfig & { spatialWidth: number; fusedChannels: number; contextPath: ContextPathKind };
  readonly context: Backbone;
  private readonly spatial: Sequential;
  private readonly refine?: ArmContextPath;
  private readonly fuse: Sequential;
  private readonly attention: ChannelAttention;

  constructor(context: Backbone, inShape: Shape, spatialWidth: number, rng: Rng, contextPath: ContextPathKind = 'resize') {
    super();
    const fusedChannels = 2 * spatialWidth;
    this.config = { spatialWidth, fusedChannels, contextPath };
    this.context = this.addChild('context', context);
    this.spatial = this.addChild('spatial', new Sequential([
      ['conv0', convBnRelu(inShape[2], spatialWidth, 3, 2, rng)],
      ['conv1', convBnRelu(spatialWidth, spatialWidth, 3, 2, rng)],
      ['conv2', convBnRelu(spatialWidth, fusedChannels, 3, 2, rng)],
    ], 'spatial_path'));
    const { coarse } = this.split(inShape);
    if (contextPath === 'arm') this.refine = this.addChild('refine', new ArmContextPath(coarse.map((s) => s[2]), fusedChannels, rng));
    const ctxChannels = this.refine ? fusedChannels : coarse.reduce((s, sh) => s + sh[2], 0);
    this.fuse = this.addChild('fuse', convBnRelu(fusedChannels + ctxChannels, fusedChannels, 1, 1, rng));
    this.attention = this.addChild('attention', new ChannelAttention(fusedChannels, rng));
  }

  /**
   * Context levels finer than the spatial path's 1/8 pass through; the others are fused. The ARM
   * path refines the levels coarser than 1/8 (BiSeNet's 1/16 and 1/32), or the deepest when none is.
   */
  private split(inShape: Shape): { fine: boolean[]; coarse: Shape[]; used: boolean[]; at: Shape } {
    const at = this.spatial.outputShape(inShape);
    const shapes = this.context.featureShapes(inShape);
    const fine = shapes.map((s) => s[0] > at[0]);
    let used = fine.map((f) => !f);
    if (this.config.contextPath === 'arm') {
      used = shapes.map((s) => s[0] < at[0]);
      if (!used.some(Boolean)) used = shapes.map((_, i) => i === shapes.length - 1);
    }
    return { fine, coarse: shapes.filter((_, i) => used[i]), used, at };
  }

  run(x: tf.Tensor, training: boolean, ctx?: ForwardContext): BackboneOutput {
    const { fine, used, at } = this.split(x.shape.slice(1));
    const out = this.context.run(x, training, ctx);
    const sp = this.spatial.forward(x, training);
    const levels = out.features.filter((_, i) => used[i]);
    const coarse = this.refine ? [this.refine.run(levels, at, training)] : levels.map((f) => resize(f, at[0], at[1]));
    const fused = this.attention.forward(this.fuse.forward(tf.concat([sp, ...coarse], 3), training), training);
    return { features: [...out.features.filter((_, i) => fine[i]), fused] };
  }

  featureShapes(inShape: Shape): Shape[] {
    const { fine, at } = this.split(inShape);
    return [...this.context.featureShapes(inShape).filter((_, i) => fine[i]), [at[0], at[1], this.config.fusedChannels]];
  }

  auxShape(): undefined { return undefined; }

  flops(inShape: Shape): number {
    const { coarse, at } = this.split(inShape);
    const { fusedChannels } = this.config;
    const cin = fusedChannels + (this.refine ? fusedChannels : coarse.reduce((s, sh) => s + sh[2], 0));
    return this.context.flops(inShape) + this.spatial.flops(inShape) + (this.refine?.flops(coarse, at) ?? 0) +
      this.fuse.flops([at[0], at[1], cin]) + this.attention.flops();
  }
}
