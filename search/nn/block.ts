/**
 * Block networks in the MnasNet/FBNet/Once-for-All style: a 3x3 conv stem, then stages of
 * layers, each layer choosing its operation, kernel, expansion and width; a stage uses its first
 * `depth` layers and only the first of them is strided.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import type { BlockGenotype, BlockLayer } from '../space/types.ts';
import type { Task } from '../contracts/task.ts';
import { Layer, ModuleList, chainFlops, chainShapes, type ModuleConfig, type Shape } from './module.ts';
import { convBnRelu, mbconv } from './ops.ts';
import { GlobalAttention, WindowAttention, attentionOp, vitOp } from './attention.ts';
import { HarmonicDenseBlock } from './hardnet.ts';
import { Backbone, Network, atLevelEnds, type BackboneOutput } from './network.ts';
import { buildHead, type HeadKind } from './heads.ts';

/** Layer ops of block spaces: `conv` (conv-BN-ReLU), `mbconv`, `attention` (global), `win_attn`, `hardnet`, `vit` (patch embedding + transformer layer). */
export const BLOCK_OPS = ['conv', 'mbconv', 'attention', 'win_attn', 'hardnet', 'vit'] as const;

/** The layer's latency-table name, e.g. `mbconv_k5e6`, `conv_k3`, `attention`. */
export function blockOpName(l: BlockLayer): string {
  switch (l.op) {
    case 'conv': return `conv_k${l.kernel ?? 3}`;
    case 'hardnet': return `hardnet_k${l.kernel ?? 3}`;
    case 'mbconv': return `mbconv_k${l.kernel ?? 3}e${l.expand ?? 6}`;
    default: return l.op;
  }
}

/**
 * `dilation` (output-stride control, as PSPNet's dilated later stages) applies to convolutions;
 * attention and transformer layers see every token of their map whatever the stride, so they ignore it.
 */
export function buildBlockLayer(l: BlockLayer, cin: number, stride: number, rng: Rng, o: { shift?: boolean; windowSize?: number; dilation?: number } = {}): Layer {
  const k = l.kernel ?? 3;
  const d = o.dilation ?? 1;
  let layer: Layer;
  switch (l.op) {
    case 'conv': layer = convBnRelu(cin, l.width, k, stride, rng, d); break;
    case 'mbconv': layer = mbconv(cin, l.width, k, stride, l.expand ?? 6, rng, d); break;
    case 'hardnet': layer = new HarmonicDenseBlock(cin, l.width, k, stride, rng, { dilation: d }); break;
    case 'vit': layer = vitOp(cin, l.width, stride, rng); break;
    case 'attention': layer = attentionOp(cin, l.width, stride, rng, new GlobalAttention(l.width, rng)); break;
    case 'win_attn': layer = attentionOp(cin, l.width, stride, rng, new WindowAttention(l.width, rng, { shift: o.shift, windowSize: o.windowSize })); break;
    default: throw new Error(`unknown block op '${l.op}' (known: ${BLOCK_OPS.join(', ')})`);
  }
  layer.opName = blockOpName(l) + (d > 1 && (l.op === 'conv' || l.op === 'mbconv' || l.op === 'hardnet') ? `d${d}` : '');
  return layer;
}

export class BlockBackbone extends Backbone {
  readonly kind = 'block_backbone';
  readonly config: ModuleConfig & { stemChannels: number; stemStride: number; stageStrides: number[]; inChannels: number; stageDilations?: number[] };
  private readonly stem: Layer;
  readonly stages: ModuleList<ModuleList<Layer>>;

  /** `stageDilations`: per stage, the dilation of its convolutions (default 1). */
  constructor(g: BlockGenotype, o: { stemChannels: number; stemStride: number; stageStrides: number[]; inChannels: number; windowSize?: number; stageDilations?: number[] }, rng: Rng) {
    super();
    if (o.stageStrides.length !== g.stages.length) throw new Error(`stageStrides has ${o.stageStrides.length} entries for ${g.stages.length} stages`);
    const dilated = o.stageDilations?.some((d) => d > 1);
    this.config = { stemChannels: o.stemChannels, stemStride: o.stemStride, stageStrides: o.stageStrides, inChannels: o.inChannels, ...(dilated ? { stageDilations: o.stageDilations } : {}) };
    this.stem = this.addChild('stem', convBnRelu(o.inChannels, o.stemChannels, 3, o.stemStride, rng));
    let cin = o.stemChannels;
    this.stages = this.addChild('stages', new ModuleList(g.stages.map((stage, s) => {
      if (stage.depth < 1 || stage.depth > stage.layers.length) throw new Error(`stage ${s}: depth ${stage.depth} outside 1..${stage.layers.length}`);
      return new ModuleList(stage.layers.slice(0, stage.depth).map((l, i) => {
        const layer = buildBlockLayer(l, cin, i === 0 ? o.stageStrides[s] : 1, rng, { shift: i % 2 === 1, windowSize: o.windowSize, dilation: o.stageDilations?.[s] });
        cin = l.width;
        return layer;
      }));
    })));
  }

  private layers(): Layer[] { return this.stages.items.flatMap((s) => s.items); }

  run(x: tf.Tensor, training: boolean): BackboneOutput {
    let h = this.stem.forward(x, training);
    const outs = [h, ...this.layers().map((l) => (h = l.forward(h, training)))];
    return { features: atLevelEnds(this.unitShapes(x.shape.slice(1)), outs) };
  }

  private unitShapes(inShape: Shape): Shape[] { return chainShapes([this.stem, ...this.layers()], inShape); }

  featureShapes(inShape: Shape): Shape[] {
    const shapes = this.unitShapes(inShape);
    return atLevelEnds(shapes, shapes);
  }

  auxShape(): undefined { return undefined; }

  flops(inShape: Shape): number { return chainFlops([this.stem, ...this.layers()], inShape); }
}

export interface BlockNetworkOptions {
  classes: number;
  inShape: Shape;
  task?: Task;
  head?: HeadKind;
  stemChannels?: number;
  stemStride?: number;
  /** Stride of each stage's first layer; default 1 for the first stage, 2 for the others. */
  stageStrides?: number[];
  /** Window attention: tokens per window side (default 4). */
  windowSize?: number;
}

export function buildBlockNetwork(g: BlockGenotype, o: BlockNetworkOptions, rng: Rng): Network {
  const task = o.task ?? 'classification';
  const stageStrides = o.stageStrides ?? g.stages.map((_, i) => (i === 0 ? 1 : 2));
  const backbone = new BlockBackbone(g, {
    stemChannels: o.stemChannels ?? 16, stemStride: o.stemStride ?? 1, stageStrides, inChannels: o.inShape[2], windowSize: o.windowSize,
  }, rng);
  const head = buildHead(o.head, task, backbone.featureShapes(o.inShape), o.classes, rng, o.inShape);
  return new Network({ task, classes: o.classes, inShape: o.inShape, genotype: g, stageStrides }, backbone, head);
}
