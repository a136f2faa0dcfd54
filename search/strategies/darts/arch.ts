/**
 * The architecture parameters alpha: one [edges, ops] matrix per cell type, initialised as in
 * DARTS (1e-3 times a standard normal), turned into mixing weights by a softmax over each edge
 * (or, for DrNAS, by sampling the Dirichlet they parameterise). With PC-DARTS's edge
 * normalisation each cell type also has one parameter per edge, softmaxed over the edges into
 * each node, that scales the edge's output and weighs it when the two edges of a node are chosen.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/rng.ts';
import type { CellType, WeightSnapshot } from '../supernet.ts';
import { supernetWiring } from '../../nn/cell.ts';
import type { NamedVariable } from '../../nn/module.ts';
import type { ForwardContext } from '../../nn/network.ts';
import { sampleDirichlet } from './dirichlet.ts';
import { sampleGumbel } from './gumbel.ts';
import type { WeightMatrix } from './derive.ts';
import { fnv1a } from '../../train/data-parallel/digest.ts';

export const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];

export interface ArchParams {
  readonly ops: readonly string[];
  readonly nodes: number;
  readonly normal: tf.Variable;
  readonly reduce: tf.Variable;
  /** Edge-normalisation parameters, [edges] per cell type, when the search uses them. */
  readonly edges: Record<CellType, tf.Variable> | null;
  /** Every parameter with a stable name (`alpha.normal`, `alpha.reduce`, `edge.normal`, `edge.reduce`) for optimizers and checkpoints. */
  readonly named: NamedVariable[];
  dispose(): void;
}

export function createArchParams(ops: readonly string[], nodes: number, rng: Rng, o: { edgeNormalization?: boolean } = {}): ArchParams {
  const edges = (nodes * (nodes + 3)) / 2;
  const make = (shape: [number] | [number, number]): tf.Variable => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 1e-3 * rng.normal());
    const init = tf.tensor(values, shape);
    const v = tf.variable(init, true);
    init.dispose();
    return v;
  };
  const normal = make([edges, ops.length]);
  const reduce = make([edges, ops.length]);
  const edgeVars = o.edgeNormalization ? { normal: make([edges]), reduce: make([edges]) } : null;
  const named = [{ name: 'alpha.normal', variable: normal }, { name: 'alpha.reduce', variable: reduce }];
  if (edgeVars) named.push({ name: 'edge.normal', variable: edgeVars.normal }, { name: 'edge.reduce', variable: edgeVars.reduce });
  return { ops, nodes, normal, reduce, edges: edgeVars, named, dispose: () => tf.dispose(named.map((n) => n.variable)) };
}

/** Softmax of one cell type's edge parameters over the edges into each node: [edges]. */
function nodeSoftmax(beta: tf.Tensor, nodes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    let start = 0;
    for (let node = 0; node < nodes; node++) {
      parts.push(tf.softmax(tf.slice(beta, [start], [node + 2])));
      start += node + 2;
    }
    return tf.concat(parts) as tf.Tensor1D;
  });
}

/** The edge weights of both cell types (null without edge normalisation). The caller disposes. */
export function edgeWeights(a: ArchParams): Record<CellType, tf.Tensor1D> | null {
  return a.edges && { normal: nodeSoftmax(a.edges.normal, a.nodes), reduce: nodeSoftmax(a.edges.reduce, a.nodes) };
}

/** What one supernet forward pass takes from the architecture: op weights per cell type, and edge weights and the auxiliary skip when used. */
export type MixContext = ForwardContext & { normal: tf.Tensor; reduce: tf.Tensor };
/** Makes the forward context of one pass (tensors the caller's tape or tidy owns). */
export type Mixer = () => MixContext;

/**
 * The forward context: softmax weights, or with `dirichlet` a fresh Dirichlet sample per pass
 * (DrNAS), drawn from that generator, or with `gumbel` a fresh GDAS draw per pass (gumbel.ts): one
 * op per edge, computed alone, with straight-through one-hot weights at temperature tau, each edge
 * also adding the weights of its other ops as NAS-Bench-201's GDAS cell does (`othersAsBias`);
 * `auxSkip` is the DARTS- coefficient.
 */
export function createMixer(a: ArchParams, o: { dirichlet?: Rng; gumbel?: { rng: Rng; tau: number }; auxSkip?: number } = {}): Mixer {
  return () => {
    let w: Pick<MixContext, 'normal' | 'reduce' | 'paths' | 'othersAsBias'>;
    if (o.gumbel) {
      const n = sampleGumbel(a.normal as tf.Tensor2D, o.gumbel.rng, o.gumbel.tau), r = sampleGumbel(a.reduce as tf.Tensor2D, o.gumbel.rng, o.gumbel.tau);
      w = { normal: n.weights, reduce: r.weights, paths: { normal: n.index, reduce: r.index }, othersAsBias: true };
    } else if (o.dirichlet) {
      w = { normal: sampleDirichlet(a.normal as tf.Tensor2D, o.dirichlet), reduce: sampleDirichlet(a.reduce as tf.Tensor2D, o.dirichlet) };
    } else {
      w = mixingWeights(a);
    }
    const e = edgeWeights(a);
    return { ...w, ...(e ? { normalEdges: e.normal, reduceEdges: e.reduce } : {}), ...(o.auxSkip ? { auxSkip: o.auxSkip } : {}) };
  };
}

/**
 * Folds what a pass's forward context drew at random into running digests per cell type: the op
 * of each edge where the pass computes one alone (`paths`: GDAS's Gumbel draws, a uniform-cell
 * step's cell; -1 for an edge left out, -2 for one that keeps its mixture), else the mixing
 * weights' float bits (DrNAS's Dirichlet samples).
 */
export function foldDraw(h: Record<CellType, number>, ctx: MixContext): void {
  for (const t of CELL_TYPES) {
    const path = ctx.paths?.[t];
    const words = path
      ? Uint32Array.from(path, (k) => (k === null ? -1 : k === undefined ? -2 : k) >>> 0)
      : new Uint32Array(Float32Array.from(ctx[t].dataSync() as Float32Array).buffer);
    h[t] = fnv1a(words, h[t]);
  }
}

/** Softmax of each edge's alphas: the supernet's forward context. The caller disposes (or tidies). */
export function mixingWeights(a: ArchParams): { normal: tf.Tensor2D; reduce: tf.Tensor2D } {
  return { normal: tf.softmax(a.normal) as tf.Tensor2D, reduce: tf.softmax(a.reduce) as tf.Tensor2D };
}

/** The mixing weights as plain rows, per cell type. */
export function readMixingWeights(a: ArchParams): Record<CellType, WeightMatrix> {
  const w = mixingWeights(a);
  try {
    return { normal: w.normal.arraySync(), reduce: w.reduce.arraySync() };
  } finally {
    tf.dispose([w.normal, w.reduce]);
  }
}

/** The edge weights as plain numbers per cell type, null without edge normalisation. */
export function readEdgeWeights(a: ArchParams): Record<CellType, number[]> | null {
  const e = edgeWeights(a);
  if (!e) return null;
  try {
    return { normal: Array.from(e.normal.dataSync()), reduce: Array.from(e.reduce.dataSync()) };
  } finally {
    tf.dispose([e.normal, e.reduce]);
  }
}

/**
 * The rows the genotype is derived from: the mixing weights, each edge's row scaled by its edge
 * weight when there is one (PC-DARTS ranks a node's edges by op weight times edge weight).
 */
export function derivationWeights(a: ArchParams): Record<CellType, WeightMatrix> {
  const w = readMixingWeights(a);
  const e = readEdgeWeights(a);
  if (!e) return w;
  const scale = (rows: WeightMatrix, by: number[]): WeightMatrix => rows.map((r, i) => r.map((x) => x * by[i]));
  return { normal: scale(w.normal, e.normal), reduce: scale(w.reduce, e.reduce) };
}

/** Shannon entropy (nats) of each row: ln(ops) for uniform weights, 0 for a one-hot edge. */
export function rowEntropies(rows: WeightMatrix): number[] {
  return rows.map((r) => r.reduce((s, p) => (p > 0 ? s - p * Math.log(p) : s), 0));
}

/** A snapshot's weights: per edge, its endpoints (states 0, 1 = cell inputs; node i = state i + 2) and weights. */
export function snapshotOf(rows: WeightMatrix, ops: readonly string[], nodes: number): WeightSnapshot['weights'] {
  const wiring = supernetWiring(nodes);
  return { ops: [...ops], edges: wiring.map((e, i) => ({ from: e.input, to: e.node + 2, weights: [...rows[i]] })) };
}
