/**
 * DARTS networks, mirroring quark0/darts: `NetworkCIFAR` (cnn/model.py) for a genotype and
 * `Network` (cnn/model_search.py) for the supernet. Stem: 3x3 conv to stemMultiplier*C + BN;
 * reduction cells at layers/3 and 2*layers/3 double C; global pool + linear classifier.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import type { CellGenotype } from '../space/types.ts';
import type { Task } from '../contracts/task.ts';
import { Layer, ModuleList, Sequential, type ModuleConfig, type Shape } from './module.ts';
import { BatchNorm, Conv2d, Dense, GlobalAvgPool, Pool2d, ReLU, Zero } from './layers.ts';
import { buildOp } from './ops.ts';
import { DartsCell, defaultEdgeFactory, genotypeWiring, supernetWiring, type EdgeFactory, type EdgeForward, type WeightedLayer } from './cell.ts';
import { Backbone, Network, atLevelEnds, type BackboneOutput, type ForwardContext } from './network.ts';
import { buildCellStack, cellStackFlops, cellStackShapes, runCellStack, type CellPlan } from './cell-stack.ts';
import { buildHead, type HeadKind } from './heads.ts';

export class DartsBackbone extends Backbone {
  readonly kind = 'darts_backbone';
  readonly config: ModuleConfig & { C: number; layers: number; stemMultiplier: number; inChannels: number; auxAfter: number };
  private readonly stem: Sequential;
  readonly cells: ModuleList<DartsCell>;

  constructor(plan: CellPlan, o: { C: number; layers: number; inChannels: number; stemMultiplier?: number; affine?: boolean }, rng: Rng, factory: EdgeFactory) {
    super();
    const stemMultiplier = o.stemMultiplier ?? 3;
    const { C, layers } = o;
    this.config = { C, layers, stemMultiplier, inChannels: o.inChannels, auxAfter: Math.floor((2 * layers) / 3) };
    const stemChannels = stemMultiplier * C;
    this.stem = this.addChild('stem', new Sequential([
      ['conv', new Conv2d(o.inChannels, stemChannels, 3, rng)],
      ['bn', new BatchNorm(stemChannels)],
    ]));
    const reductions = [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
    this.cells = this.addChild('cells', new ModuleList(buildCellStack(plan, { stemChannels, C, layers, reductions, affine: o.affine }, rng, factory)));
  }

  run(x: tf.Tensor, training: boolean, ctx: ForwardContext = {}): BackboneOutput {
    const outs = runCellStack(this.cells.items, this.stem.forward(x, training), training, ctx);
    return { features: atLevelEnds(this.cellShapes(x.shape.slice(1)), outs), auxInput: outs[this.config.auxAfter] };
  }

  /** The shape the first cell reads (the latency-site walk starts here). */
  stemShape(inShape: Shape): Shape { return this.stem.outputShape(inShape); }

  private cellShapes(inShape: Shape): Shape[] { return cellStackShapes(this.cells.items, this.stemShape(inShape)); }

  featureShapes(inShape: Shape): Shape[] {
    const shapes = this.cellShapes(inShape);
    return atLevelEnds(shapes, shapes);
  }

  auxShape(inShape: Shape): Shape { return this.cellShapes(inShape)[this.config.auxAfter]; }

  flops(inShape: Shape): number {
    return this.stem.flops(inShape) + cellStackFlops(this.cells.items, this.stem.outputShape(inShape));
  }
}

/**
 * DARTS AuxiliaryHeadCIFAR: ReLU, 5x5 avg pool stride 3 (no padding), 1x1 conv 128 BN ReLU,
 * 2x2 conv 768 BN ReLU, linear. A global average pool before the linear layer (a no-op on the
 * reference 8x8 input) lets other resolutions work.
 */
export function auxiliaryHead(cin: number, classes: number, rng: Rng): Sequential {
  return new Sequential([
    ['relu0', new ReLU()],
    ['pool', new Pool2d('avg', 5, 3, 0)],
    ['conv1', new Conv2d(cin, 128, 1, rng)], ['bn1', new BatchNorm(128)], ['relu1', new ReLU()],
    ['conv2', new Conv2d(128, 768, 2, rng, { padding: 0 })], ['bn2', new BatchNorm(768)], ['relu2', new ReLU()],
    ['gap', new GlobalAvgPool()],
    ['classifier', new Dense(768, classes, rng)],
  ], 'aux_head_cifar');
}

export interface CellNetworkOptions {
  C: number;
  layers: number;
  classes: number;
  /** Per-image input shape [h, w, c]. */
  inShape: Shape;
  auxiliary?: boolean;
  task?: Task;
  head?: HeadKind;
  stemMultiplier?: number;
  /** Builds each edge's op; defaults to the OPS registry. DARTS plugs its MixedOp in here. */
  edgeFactory?: EdgeFactory;
}

function assemble(plan: CellPlan, o: CellNetworkOptions, rng: Rng, factory: EdgeFactory, extra: Record<string, unknown>, affine = true): Network {
  const task = o.task ?? 'classification';
  const backbone = new DartsBackbone(plan, { C: o.C, layers: o.layers, inChannels: o.inShape[2], stemMultiplier: o.stemMultiplier, affine }, rng, factory);
  const head = buildHead(o.head, task, backbone.featureShapes(o.inShape), o.classes, rng, o.inShape);
  let aux: Sequential | undefined;
  if (o.auxiliary) {
    const at = backbone.auxShape(o.inShape);
    if (at[0] < 8 || at[1] < 8) throw new Error(`the auxiliary head needs at least an 8x8 map after the second reduction (a 32x32 input); this input gives ${at[0]}x${at[1]}`);
    aux = auxiliaryHead(at[2], o.classes, rng);
  }
  return new Network({ task, classes: o.classes, inShape: o.inShape, C: o.C, layers: o.layers, ...extra }, backbone, head, aux);
}

/** DARTS NetworkCIFAR for a genotype (the auxiliary head, when asked for, is not counted in paramCount). */
export function buildCellNetwork(genotype: CellGenotype, o: CellNetworkOptions, rng: Rng): Network {
  const plan: CellPlan = {
    normal: genotypeWiring(genotype.normal), normalConcat: genotype.normal_concat,
    reduce: genotypeWiring(genotype.reduce), reduceConcat: genotype.reduce_concat,
  };
  return assemble(plan, o, rng, o.edgeFactory ?? defaultEdgeFactory, { genotype });
}

/**
 * sum_i weights[at[i]] * terms[i] as one taped op: the weighted products are not kept for the
 * backward pass, and each weight's gradient <dy, term> is one matmul of two N x 1 columns (the
 * first transposed, the fastest form on wasm) instead of a product and a sum. Weights not in
 * `at` get zero gradient.
 */
function weightedSum(terms: tf.Tensor[], weights: tf.Tensor1D, at: number[]): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as (t: tf.Tensor[]) => void;
    const inputs = args as tf.Tensor[];
    const ts = inputs.slice(0, -1);
    const w = tf.unstack(inputs[inputs.length - 1]);
    save(inputs);
    return {
      value: tf.addN(ts.map((t, i) => tf.mul(t, w[at[i]]))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const wt = tf.unstack(saved[saved.length - 1]);
        const column = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [-1, 1]);
        const dots = new Map(at.map((k, i) => [k, tf.reshape(tf.matMul(column(dy), column(saved[i]), true, false), [])]));
        const dw = tf.stack(wt.map((_, k) => dots.get(k) ?? tf.scalar(0)));
        return [...at.map((k) => tf.mul(dy, wt[k])), dw];
      },
    };
  });
  return op(...terms, weights);
}

/**
 * One candidate op of a supernet edge, as model_search.py builds it: affine=false, and a pool
 * followed by a non-affine BN. Without that BN a pool passes on its input's scale and (max pool)
 * a positive mean, while every conv op ends in a BN: the ops of one edge then feed the next
 * layers features of different scales, which a shared classifier cannot serve at once.
 * `standalone`: the op exactly as a genotype's network builds it (affine, no BN after a pool), for
 * single-path supernets meant to score cells as they run alone.
 */
export function buildSupernetCandidate(name: string, C: number, stride: number, rng: Rng, shift = false, standalone = false): Layer {
  const op = buildOp(name, C, stride, rng, { affine: standalone, shift });
  if (standalone || !name.includes('pool')) return op;
  const withBn = new Sequential([['pool', op], ['bn', new BatchNorm(C, { affine: false })]], name);
  withBn.opName = name;
  return withBn;
}

/**
 * DARTS MixedOp: sum_k w_k * op_k(x) over the candidate ops (buildSupernetCandidate), weights
 * given at forward time. Zero ops contribute nothing and are skipped; with `only`, that op alone
 * is computed (a single-path pass), and with `othersAsBias` too the other ops' weights are added
 * to its output (EdgeForward).
 */
export class MixedOp extends Layer implements WeightedLayer {
  readonly kind = 'mixed_op';
  readonly config: { ops: string[]; C: number; stride: number };
  readonly ops: ModuleList<Layer>;

  constructor(ops: string[], C: number, stride: number, rng: Rng, shift = false, standalone = false) {
    super();
    this.config = { ops, C, stride };
    this.ops = this.addChild('ops', new ModuleList(ops.map((name) => buildSupernetCandidate(name, C, stride, rng, shift, standalone))));
  }

  forwardWeighted(x: tf.Tensor, weights: tf.Tensor, training: boolean, edge: EdgeForward = {}): tf.Tensor {
    const { only } = edge;
    if (only !== undefined && !(Number.isInteger(only) && only >= 0 && only < this.ops.items.length)) {
      throw new Error(`paths: op index ${only} on an edge of ${this.ops.items.length} ops (${this.config.ops.join(', ')})`);
    }
    return tf.tidy(() => {
      const live = this.ops.items.flatMap((op, k) => (op instanceof Zero || (only !== undefined && k !== only) ? [] : [k]));
      // The conv ops all start with ReLU(x): computed once, it is one pass (and one kept tensor) per edge instead of four.
      let relu: tf.Tensor | undefined;
      const run = (op: Layer): tf.Tensor => {
        if (!(op instanceof Sequential) || op.children()[0]?.[1].kind !== 'relu') return op.forward(x, training);
        relu ??= tf.relu(x);
        return op.forwardFrom(relu, training, 1);
      };
      const y = live.length === 0 ? tf.zeros(this.outputShapeOf(x)) : weightedSum(live.map((k) => run(this.ops.items[k])), weights as tf.Tensor1D, live);
      if (only === undefined || !edge.othersAsBias) return y;
      // GDAS on NAS-Bench-201 (forward_gdas): sum over the ops not computed of their weights, a scalar added to the output.
      const others = tf.tensor1d(this.ops.items.map((_, k) => (k === only ? 0 : 1)));
      return tf.add(y, tf.sum(tf.mul(weights, others)));
    });
  }

  private outputShapeOf(x: tf.Tensor): number[] { return [x.shape[0], ...this.outputShape(x.shape.slice(1))]; }

  forward(): tf.Tensor { throw new Error('a MixedOp needs its weights: call forwardWeighted'); }

  outputShape(inShape: Shape): Shape { return this.ops.items[0].outputShape(inShape); }

  flops(inShape: Shape): number { return this.ops.items.reduce((s, op) => s + op.flops(inShape), 0); }
}

export interface SupernetOptions extends Omit<CellNetworkOptions, 'C' | 'layers' | 'edgeFactory' | 'auxiliary'> {
  /** Nodes concatenated at the cell output (the last `multiplier`); default: all nodes. */
  multiplier?: number;
  /** Replaces MixedOp (e.g. partial-channel or sampled variants); must build WeightedLayers. */
  edgeFactory?: EdgeFactory;
  /** Affine BN in the stem's and cells' preprocessing, as a genotype's network has (DARTS's supernet: none). */
  affine?: boolean;
}

/**
 * DARTS search network (model_search.py): every cell has nodes*(nodes+3)/2 edges, each a MixedOp
 * over `opsList`. forward(x, training, { normal, reduce }) takes the mixing weights, each
 * [edges, opsList.length] (DARTS passes softmax(alpha)); edge order is node by node, input 0 first.
 */
export function buildDartsSupernet(opsList: string[], C: number, layers: number, nodes = 4, o: SupernetOptions, rng: Rng): Network {
  const multiplier = o.multiplier ?? nodes;
  const wiring = supernetWiring(nodes);
  const concat = Array.from({ length: multiplier }, (_, i) => nodes + 2 - multiplier + i);
  const factory: EdgeFactory = o.edgeFactory ?? ((e, r) => new MixedOp(opsList, e.C, e.stride, r, e.cell % 2 === 1));
  return assemble({ normal: wiring, normalConcat: concat, reduce: wiring, reduceConcat: concat }, { ...o, C, layers }, rng, factory,
    { supernet: { ops: opsList, nodes, multiplier, edges: wiring.length } }, o.affine ?? false);
}

/** Edges per supernet cell, the first dimension of the architecture weights. */
export const supernetEdgeCount = (nodes: number): number => (nodes * (nodes + 3)) / 2;
