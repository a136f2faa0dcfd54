/**
 * DARTS cells and the edge-op hook shared by fixed networks and supernets. A cell preprocesses
 * its two inputs (the outputs of the two previous cells) to C channels, computes each node as the
 * sum of its incoming edges, and concatenates the nodes listed in `concat`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, Module, ModuleList, type ModuleConfig, type Shape } from './module.ts';
import { Identity } from './layers.ts';
import { FactorizedReduce, buildOp, reluConvBn } from './ops.ts';

/** An edge op that mixes candidates with weights given at forward time (a supernet's MixedOp). */
export interface WeightedLayer extends Layer {
  forwardWeighted(x: tf.Tensor, weights: tf.Tensor, training: boolean, edge?: EdgeForward): tf.Tensor;
}

/** What a weighted edge may take besides its mixing weights. */
export interface EdgeForward {
  /** Coefficient of the edge's auxiliary skip, when it has one (DARTS-). */
  auxSkip?: number;
  /** The index of the one op to compute (times its weight); the others are left out. */
  only?: number;
  /**
   * With `only`: the weights of the ops not computed are added to the edge's output, as
   * NAS-Bench-201's GDAS cell does (`weights[i] * op(x) if i == index else weights[i]`): 0 in value
   * where they are (straight-through one-hot weights), and each gets the summed gradient of the output.
   */
  othersAsBias?: boolean;
}

export const isWeighted = (l: Layer): l is WeightedLayer => typeof (l as Partial<WeightedLayer>).forwardWeighted === 'function';

/** What an edge factory is asked to build. */
export interface EdgeSpec {
  /** The genotype's op; undefined for a supernet edge. */
  op?: string;
  C: number;
  stride: number;
  /** Position of the cell in the network and of the edge in the cell. */
  cell: number;
  edge: number;
  reduction: boolean;
}

export type EdgeFactory = (spec: EdgeSpec, rng: Rng) => Layer;

/** Builds the genotype's op; window attention shifts its windows in every other cell. */
export const defaultEdgeFactory: EdgeFactory = (e, rng) => {
  if (!e.op) throw new Error(`edge ${e.edge} of cell ${e.cell} has no operation`);
  return buildOp(e.op, e.C, e.stride, rng, { shift: e.cell % 2 === 1 });
};

export interface CellEdgeWiring { input: number; node: number; op?: string }

export interface CellForward {
  /** Mixing weights for this cell's weighted edges, [edges, ops]. */
  weights?: tf.Tensor;
  /** Per-edge scale of the weighted edges' outputs, [edges] (PC-DARTS edge normalisation). */
  edgeWeights?: tf.Tensor;
  /** Per weighted edge, its one op, null to leave the edge out, undefined for the mixture (ForwardContext.paths). */
  paths?: readonly (number | null | undefined)[];
  /** EdgeForward.othersAsBias for every edge of `paths`. */
  othersAsBias?: boolean;
  auxSkip?: number;
  dropPathProb?: number;
  rng?: Rng;
}

export class DartsCell extends Module {
  readonly kind = 'darts_cell';
  readonly config: ModuleConfig & {
    cPrevPrev: number; cPrev: number; C: number; reduction: boolean; reductionPrev: boolean;
    nodes: number; edges: CellEdgeWiring[]; concat: number[]; affine: boolean;
  };
  private readonly pre0: Layer;
  private readonly pre1: Layer;
  readonly edges: ModuleList<Layer>;

  constructor(
    o: { cPrevPrev: number; cPrev: number; C: number; reduction: boolean; reductionPrev: boolean; edges: CellEdgeWiring[]; concat: number[]; affine?: boolean; cellIndex: number },
    rng: Rng, factory: EdgeFactory,
  ) {
    super();
    const affine = o.affine ?? true;
    const nodes = Math.max(...o.edges.map((e) => e.node)) + 1;
    for (const e of o.edges) if (e.input >= e.node + 2) throw new Error(`cell edge into node ${e.node} reads state ${e.input}, which is not computed yet`);
    for (const c of o.concat) if (c < 0 || c >= nodes + 2) throw new Error(`cell concat index ${c} out of range 0..${nodes + 1}`);
    this.config = { cPrevPrev: o.cPrevPrev, cPrev: o.cPrev, C: o.C, reduction: o.reduction, reductionPrev: o.reductionPrev, nodes, edges: o.edges, concat: o.concat, affine };
    this.pre0 = this.addChild('preprocess0', o.reductionPrev ? new FactorizedReduce(o.cPrevPrev, o.C, rng, affine) : reluConvBn(o.cPrevPrev, o.C, 1, 1, rng, affine));
    this.pre1 = this.addChild('preprocess1', reluConvBn(o.cPrev, o.C, 1, 1, rng, affine));
    this.edges = this.addChild('edges', new ModuleList(o.edges.map((e, i) =>
      factory({ op: e.op, C: o.C, stride: o.reduction && e.input < 2 ? 2 : 1, cell: o.cellIndex, edge: i, reduction: o.reduction }, rng))));
  }

  get outChannels(): number { return this.config.concat.length * this.config.C; }

  forward(s0: tf.Tensor, s1: tf.Tensor, training: boolean, f: CellForward = {}): tf.Tensor {
    return tf.tidy(() => {
      const states: tf.Tensor[] = [this.pre0.forward(s0, training), this.pre1.forward(s1, training)];
      const sums: tf.Tensor[][] = Array.from({ length: this.config.nodes }, () => []);
      const rows = f.weights ? tf.unstack(f.weights) : undefined;
      const scales = f.edgeWeights ? tf.unstack(f.edgeWeights) : undefined;
      if (f.paths && f.paths.length !== this.config.edges.length) throw new Error(`paths: ${f.paths.length} entries for a cell of ${this.config.edges.length} edges`);
      const nodeSum = (node: number): tf.Tensor => {
        if (sums[node].length === 0) throw new Error(`paths: node ${node} of the cell has all its input edges left out`);
        return tf.addN(sums[node]);
      };
      this.config.edges.forEach((e, i) => {
        // Nodes are filled in order, so every input of node e.node exists once we reach its edges.
        while (states.length < e.node + 2) states.push(nodeSum(states.length - 2));
        const op = this.edges.items[i];
        const only = f.paths?.[i];
        if (only === null) return;
        let h: tf.Tensor;
        if (isWeighted(op)) {
          if (!rows) throw new Error('a supernet cell needs mixing weights at forward time');
          h = op.forwardWeighted(states[e.input], rows[i], training, { auxSkip: f.auxSkip, only, othersAsBias: f.othersAsBias });
          if (scales) h = tf.mul(h, scales[i]);
        } else {
          h = op.forward(states[e.input], training);
        }
        if (training && f.dropPathProb && !(op instanceof Identity)) h = dropPath(h, f.dropPathProb, f.rng);
        sums[e.node].push(h);
      });
      while (states.length < this.config.nodes + 2) states.push(nodeSum(states.length - 2));
      return tf.concat(this.config.concat.map((c) => states[c]), 3);
    });
  }

  outputShape(s0: Shape, s1: Shape): Shape {
    const [h, w] = this.pre1.outputShape(s1);
    this.pre0.outputShape(s0);
    const r = this.config.reduction ? 2 : 1;
    return [Math.ceil(h / r), Math.ceil(w / r), this.outChannels];
  }

  flops(s0: Shape, s1: Shape): number {
    const shapes = [this.pre0.outputShape(s0), this.pre1.outputShape(s1)];
    let total = this.pre0.flops(s0) + this.pre1.flops(s1);
    const nodeShape = (n: number): Shape => {
      const [h, w, c] = shapes[1];
      const r = this.config.reduction ? 2 : 1;
      return n < 2 ? shapes[n] : [Math.ceil(h / r), Math.ceil(w / r), c];
    };
    this.config.edges.forEach((e, i) => { total += this.edges.items[i].flops(nodeShape(e.input)); });
    return total;
  }
}

/** Zeroes whole samples with probability p and rescales the rest (DARTS drop_path). */
function dropPath(x: tf.Tensor, p: number, rng?: Rng): tf.Tensor {
  if (!rng) throw new Error('drop path needs an rng in the forward context');
  const keep = 1 - p;
  const b = x.shape[0];
  const mask = new Float32Array(b);
  for (let i = 0; i < b; i++) mask[i] = rng.next() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor4d(mask, [b, 1, 1, 1]));
}

/** Wiring of a genotype cell: edges 2i and 2i+1 feed node i. */
export function genotypeWiring(edges: [string, number][]): CellEdgeWiring[] {
  if (edges.length === 0 || edges.length % 2 !== 0) throw new Error(`a cell genotype needs two edges per node, got ${edges.length} edges`);
  return edges.map(([op, input], i) => ({ op, input, node: Math.floor(i / 2) }));
}

/** Wiring of a supernet cell: node i reads every earlier state, in DARTS' edge order. */
export function supernetWiring(nodes: number): CellEdgeWiring[] {
  const out: CellEdgeWiring[] = [];
  for (let node = 0; node < nodes; node++) for (let input = 0; input < node + 2; input++) out.push({ input, node });
  return out;
}
