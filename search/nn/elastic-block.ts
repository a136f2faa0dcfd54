/**
 * The Once-for-All supernet of a block space: per stage, its largest depth of layer slots; each
 * slot holds one elastic module per operation the stage offers (conv, MBConv, global and window
 * attention), each at the stage's largest width, kernel and expansion. The operation itself is a
 * single-path choice, as in SPOS (OFA's space has only MBConv); kernel, expansion, width and depth
 * are elastic. A subnet is chosen by `select` (state, as nn/single-path.ts, so the ordinary
 * training loop runs the supernet as any network) and computes exactly what the standalone
 * network of nn/block.ts computes with the sliced weights `exportSubnet` names.
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockGenotype, BlockLayer } from '../space/types.ts';
import type { Rng } from '../util/rng.ts';
import { defaultHeads, globalAttention, windowAttention } from './attention.ts';
import { ElasticBatchNorm, ElasticConv, ElasticDense, ElasticLayerNorm, prefixed, type NamedSlice } from './elastic.ts';
import { truncNormal } from './init.ts';
import { Pool2d } from './layers.ts';
import { Module, ModuleList, type Shape } from './module.ts';
import { Backbone, Head, Network, type BackboneOutput } from './network.ts';

/** What one stage of the supernet offers, at its largest. */
export interface ElasticStageSpec {
  stride: number;
  widths: number[];
  maxDepth: number;
  conv?: { kernel: number };
  mbconv?: { kernel: number; expand: number };
  attention: ('window' | 'global')[];
}

export interface ElasticBlockSpec {
  inShape: Shape;
  classes: number;
  stem: { width: number; stride: number };
  stages: ElasticStageSpec[];
  windowSize: number;
}

class ElasticConvOp extends Module {
  readonly kind = 'elastic_conv_op';
  readonly config: { cin: number; cout: number; kernel: number };
  private readonly conv: ElasticConv;
  private readonly bn: ElasticBatchNorm;

  constructor(cin: number, cout: number, kernel: number, rng: Rng) {
    super();
    this.config = { cin, cout, kernel };
    this.conv = this.addChild('conv', new ElasticConv(cin, cout, kernel, rng));
    this.bn = this.addChild('bn', new ElasticBatchNorm(cout));
  }

  forward(x: tf.Tensor, l: BlockLayer, stride: number, training: boolean): tf.Tensor {
    return tf.tidy(() => tf.relu(this.bn.forward(this.conv.forward(x, l.kernel!, l.width, stride), training)));
  }

  exportAs(l: BlockLayer, cin: number): NamedSlice[] {
    return [...prefixed('conv.', this.conv.exportAs(l.kernel!, cin, l.width)), ...prefixed('bn.', this.bn.exportAs(l.width))];
  }
}

/** MBConv: 1x1 expansion to cin·e (none at e = 1), depthwise k x k, 1x1 projection; residual when stride 1 and cin = width. */
class ElasticMbconv extends Module {
  readonly kind = 'elastic_mbconv';
  readonly config: { cin: number; cout: number; kernel: number; expand: number };
  private readonly expand: ElasticConv;
  private readonly bn0: ElasticBatchNorm;
  private readonly dw: ElasticConv;
  private readonly bn1: ElasticBatchNorm;
  private readonly project: ElasticConv;
  private readonly bn2: ElasticBatchNorm;

  constructor(cin: number, cout: number, kernel: number, expand: number, rng: Rng) {
    super();
    this.config = { cin, cout, kernel, expand };
    const mid = cin * expand;
    this.expand = this.addChild('expand', new ElasticConv(cin, mid, 1, rng));
    this.bn0 = this.addChild('bn0', new ElasticBatchNorm(mid));
    this.dw = this.addChild('dw', new ElasticConv(mid, mid, kernel, rng, true));
    this.bn1 = this.addChild('bn1', new ElasticBatchNorm(mid));
    this.project = this.addChild('project', new ElasticConv(mid, cout, 1, rng));
    this.bn2 = this.addChild('bn2', new ElasticBatchNorm(cout));
  }

  forward(x: tf.Tensor, l: BlockLayer, stride: number, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const cin = x.shape[3]!, e = l.expand!;
      let h = x;
      if (e !== 1) h = tf.relu(this.bn0.forward(this.expand.forward(h, 1, cin * e, 1), training));
      h = tf.relu(this.bn1.forward(this.dw.forward(h, l.kernel!, cin * e, stride), training));
      h = this.bn2.forward(this.project.forward(h, 1, l.width, 1), training);
      return stride === 1 && cin === l.width ? tf.add(x, h) : h;
    });
  }

  exportAs(l: BlockLayer, cin: number, stride: number): NamedSlice[] {
    const e = l.expand!, mid = cin * e;
    const out: NamedSlice[] = [];
    if (e !== 1) out.push(...prefixed('expand.', this.expand.exportAs(1, cin, mid)), ...prefixed('bn0.', this.bn0.exportAs(mid)));
    out.push(
      ...prefixed('dw.', this.dw.exportAs(l.kernel!, mid, mid)), ...prefixed('bn1.', this.bn1.exportAs(mid)),
      ...prefixed('project.', this.project.exportAs(1, mid, l.width)), ...prefixed('bn2.', this.bn2.exportAs(l.width)),
    );
    return stride === 1 && cin === l.width ? prefixed('inner.', out) : out;
  }
}

/** attentionOp of nn/attention.ts: [3x3 avg pool when strided] [1x1 conv + BN when the width changes], then y + MSA(LN(y)). */
class ElasticAttention extends Module {
  readonly kind = 'elastic_attention';
  readonly config: { cin: number; cout: number; window: boolean; windowSize: number; maxHeads: number };
  private readonly projConv: ElasticConv;
  private readonly projBn: ElasticBatchNorm;
  private readonly norm: ElasticLayerNorm;
  private readonly qkv: ElasticDense;
  private readonly proj: ElasticDense;
  private readonly table?: tf.Variable;

  constructor(cin: number, cout: number, window: boolean, windowSize: number, maxHeads: number, rng: Rng) {
    super();
    this.config = { cin, cout, window, windowSize, maxHeads };
    this.projConv = this.addChild('proj_conv', new ElasticConv(cin, cout, 1, rng));
    this.projBn = this.addChild('proj_bn', new ElasticBatchNorm(cout));
    this.norm = this.addChild('norm', new ElasticLayerNorm(cout));
    this.qkv = this.addChild('qkv', new ElasticDense(cout, cout, rng, { blocks: 3, std: 0.02, truncated: true }));
    this.proj = this.addChild('proj', new ElasticDense(cout, cout, rng, { std: 0.02, truncated: true }));
    if (window) {
      const rows = (2 * windowSize - 1) ** 2;
      this.table = this.addParam('relative_position_bias_table', [rows, maxHeads], truncNormal(rng, rows * maxHeads, 0.02));
    }
  }

  forward(x: tf.Tensor, l: BlockLayer, stride: number, training: boolean, shift: boolean): tf.Tensor {
    return tf.tidy(() => {
      const c = l.width, heads = defaultHeads(c);
      let y = stride === 1 ? x : new Pool2d('avg', 3, stride, 1).forward(x);
      if (y.shape[3] !== c) y = this.projBn.forward(this.projConv.forward(y, 1, c, 1), training);
      const maps = { qkv: (t: tf.Tensor) => this.qkv.forward(t, c), proj: (t: tf.Tensor) => this.proj.forward(t, c) };
      const n = this.norm.forward(y);
      const a = this.table
        ? windowAttention(n, maps, tf.slice(this.table, [0, 0], [-1, heads]), { heads, windowSize: this.config.windowSize, shift })
        : globalAttention(n, maps, heads);
      return tf.add(y, a);
    });
  }

  exportAs(l: BlockLayer, cin: number): NamedSlice[] {
    const c = l.width;
    const out: NamedSlice[] = cin === c ? [] : [...prefixed('proj_conv.', this.projConv.exportAs(1, cin, c)), ...prefixed('proj_bn.', this.projBn.exportAs(c))];
    const attn: NamedSlice[] = [...prefixed('qkv.', this.qkv.exportAs(c, c)), ...prefixed('proj.', this.proj.exportAs(c, c))];
    if (this.table) attn.push(['relative_position_bias_table', tf.slice(this.table, [0, 0], [-1, defaultHeads(c)])]);
    return [...out, ...prefixed('block.inner.norm.', this.norm.exportAs(c)), ...prefixed('block.inner.attn.', attn)];
  }
}

/** Layer ops in nn form (space/block.ts toNnBlocks): `attention` is global, `win_attn` window. */
type SlotOp = ElasticConvOp | ElasticMbconv | ElasticAttention;

/** One layer slot of a stage: an elastic module per operation offered. */
class ElasticSlot extends Module {
  readonly kind = 'elastic_slot';
  readonly config: { stride: number; shift: boolean };
  private readonly ops = new Map<string, SlotOp>();

  constructor(cin: number, s: ElasticStageSpec, stride: number, shift: boolean, windowSize: number, rng: Rng) {
    super();
    this.config = { stride, shift };
    const cout = Math.max(...s.widths);
    const maxHeads = Math.max(...s.widths.map(defaultHeads));
    const add = (name: string, m: SlotOp): void => { this.ops.set(name, this.addChild(name, m)); };
    if (s.conv) add('conv', new ElasticConvOp(cin, cout, s.conv.kernel, rng));
    if (s.mbconv) add('mbconv', new ElasticMbconv(cin, cout, s.mbconv.kernel, s.mbconv.expand, rng));
    if (s.attention.includes('global')) add('attention', new ElasticAttention(cin, cout, false, windowSize, maxHeads, rng));
    if (s.attention.includes('window')) add('win_attn', new ElasticAttention(cin, cout, true, windowSize, maxHeads, rng));
  }

  private op(l: BlockLayer): SlotOp {
    const m = this.ops.get(l.op);
    if (!m) throw new Error(`elastic supernet: this slot has no '${l.op}' (it has ${[...this.ops.keys()].join(', ')})`);
    return m;
  }

  forward(x: tf.Tensor, l: BlockLayer, training: boolean): tf.Tensor {
    const m = this.op(l);
    return m instanceof ElasticAttention ? m.forward(x, l, this.config.stride, training, this.config.shift) : m.forward(x, l, this.config.stride, training);
  }

  exportAs(l: BlockLayer, cin: number): NamedSlice[] {
    const m = this.op(l);
    return m instanceof ElasticMbconv ? m.exportAs(l, cin, this.config.stride) : m.exportAs(l, cin);
  }
}

const outSide = (h: number, stride: number): number => Math.floor((h - 1) / stride) + 1;

export class ElasticBlockBackbone extends Backbone {
  readonly kind = 'elastic_block_backbone';
  readonly config: { stemWidth: number; stemStride: number; stageStrides: number[] };
  private readonly stem: ElasticConvOp;
  readonly stages: ModuleList<ModuleList<ElasticSlot>>;
  /** The subnet a forward pass runs: a canonical genotype in nn form. */
  private choice: BlockGenotype | null = null;

  constructor(spec: ElasticBlockSpec, rng: Rng) {
    super();
    this.config = { stemWidth: spec.stem.width, stemStride: spec.stem.stride, stageStrides: spec.stages.map((s) => s.stride) };
    this.stem = this.addChild('stem', new ElasticConvOp(spec.inShape[2], spec.stem.width, 3, rng));
    let cin = spec.stem.width;
    this.stages = this.addChild('stages', new ModuleList(spec.stages.map((s) => {
      const slots = Array.from({ length: s.maxDepth }, (_, i) => new ElasticSlot(i === 0 ? cin : Math.max(...s.widths), s, i === 0 ? s.stride : 1, i % 2 === 1, spec.windowSize, rng));
      cin = Math.max(...s.widths);
      return new ModuleList(slots);
    })));
  }

  select(g: BlockGenotype): void {
    if (g.stages.length !== this.stages.items.length) throw new Error(`elastic supernet: ${g.stages.length} stages chosen for ${this.stages.items.length}`);
    g.stages.forEach((s, i) => {
      if (s.depth > this.stages.items[i].items.length) throw new Error(`elastic supernet: stage ${i} depth ${s.depth} over ${this.stages.items[i].items.length}`);
    });
    this.choice = g;
  }

  private chosen(): BlockGenotype {
    if (!this.choice) throw new Error('elastic supernet: no subnet selected (select one first)');
    return this.choice;
  }

  private stemLayer(): BlockLayer { return { op: 'conv', kernel: 3, width: this.config.stemWidth }; }

  run(x: tf.Tensor, training: boolean): BackboneOutput {
    const g = this.chosen();
    return tf.tidy(() => {
      let h = this.stem.forward(x, this.stemLayer(), this.config.stemStride, training);
      g.stages.forEach((s, i) => {
        for (let j = 0; j < s.depth; j++) h = this.stages.items[i].items[j].forward(h, s.layers[j], training);
      });
      return { features: [h] };
    });
  }

  featureShapes([h, w]: Shape): Shape[] {
    const g = this.chosen();
    const strides = [this.config.stemStride, ...this.config.stageStrides];
    const [oh, ow] = strides.reduce(([a, b], s) => [outSide(a, s), outSide(b, s)], [h, w]);
    return [[oh, ow, g.stages.at(-1)!.layers[0].width]];
  }

  auxShape(): undefined { return undefined; }

  /** A supernet has no MACs of its own; a subnet's are its standalone network's. */
  flops(): number { throw new Error('elastic supernet: count MACs on the extracted subnet'); }

  exportSubnet(): NamedSlice[] {
    const g = this.chosen();
    const out = prefixed('stem.', this.stem.exportAs(this.stemLayer(), this.stem.config.cin));
    let cin = this.config.stemWidth;
    g.stages.forEach((s, i) => {
      for (let j = 0; j < s.depth; j++) {
        out.push(...prefixed(`stages.${i}.${j}.`, this.stages.items[i].items[j].exportAs(s.layers[j], cin)));
        cin = s.layers[j].width;
      }
    });
    return out;
  }
}

/** Global average pool and a dense layer on the first channels of the largest last stage. */
export class ElasticClassifier extends Head {
  readonly kind = 'elastic_classifier_head';
  readonly config: { cin: number; classes: number };
  private readonly fc: ElasticDense;

  constructor(cin: number, classes: number, rng: Rng) {
    super();
    this.config = { cin, classes };
    this.fc = this.addChild('classifier', new ElasticDense(cin, classes, rng));
  }

  forward(features: tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.fc.forward(tf.mean(features[features.length - 1], [1, 2]), this.config.classes));
  }

  outputShape(): Shape { return [this.config.classes]; }
  flops(): number { throw new Error('elastic supernet: count MACs on the extracted subnet'); }

  exportAs(cin: number): NamedSlice[] { return prefixed('classifier.', this.fc.exportAs(cin, this.config.classes)); }
}

export class ElasticBlockNetwork extends Network {
  declare readonly backbone: ElasticBlockBackbone;
  declare readonly head: ElasticClassifier;

  /** Chooses the subnet (a canonical genotype in nn form) the next forward passes run. */
  select(g: BlockGenotype): void { this.backbone.select(g); }

  /** The chosen subnet's weights (and running statistics), named as the standalone network's. */
  exportSubnet(): NamedSlice[] {
    const last = this.backbone.featureShapes(this.config.inShape)[0][2];
    return [...prefixed('backbone.', this.backbone.exportSubnet()), ...prefixed('head.', this.head.exportAs(last))];
  }
}

export function buildElasticBlockNetwork(spec: ElasticBlockSpec, rng: Rng): ElasticBlockNetwork {
  const backbone = new ElasticBlockBackbone(spec, rng);
  const head = new ElasticClassifier(Math.max(...spec.stages.at(-1)!.widths), spec.classes, rng);
  return new ElasticBlockNetwork({ task: 'classification', classes: spec.classes, inShape: spec.inShape, supernet: 'once-for-all' }, backbone, head);
}
