/**
 * The architecture parameters alpha: one [edges, ops] matrix per cell type, initialised as in
 * DARTS (1e-3 times a standard normal), turned into mixing weights by a softmax over each edge.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/rng.ts';
import type { CellType, WeightSnapshot } from '../supernet.ts';
import { supernetWiring } from '../../nn/cell.ts';
import type { NamedVariable } from '../../nn/module.ts';
import type { WeightMatrix } from './derive.ts';

export const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];

export interface ArchParams {
  readonly ops: readonly string[];
  readonly nodes: number;
  readonly normal: tf.Variable;
  readonly reduce: tf.Variable;
  /** Both matrices with stable names (`alpha.normal`, `alpha.reduce`) for optimizers and checkpoints. */
  readonly named: NamedVariable[];
  dispose(): void;
}

export function createArchParams(ops: readonly string[], nodes: number, rng: Rng): ArchParams {
  const edges = (nodes * (nodes + 3)) / 2;
  const make = (): tf.Variable => {
    const values = Float32Array.from({ length: edges * ops.length }, () => 1e-3 * rng.normal());
    const init = tf.tensor2d(values, [edges, ops.length]);
    const v = tf.variable(init, true);
    init.dispose();
    return v;
  };
  const normal = make();
  const reduce = make();
  return {
    ops, nodes, normal, reduce,
    named: [{ name: 'alpha.normal', variable: normal }, { name: 'alpha.reduce', variable: reduce }],
    dispose: () => { normal.dispose(); reduce.dispose(); },
  };
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

/** A snapshot's weights: per edge, its endpoints (states 0, 1 = cell inputs; node i = state i + 2) and weights. */
export function snapshotOf(rows: WeightMatrix, ops: readonly string[], nodes: number): WeightSnapshot['weights'] {
  const wiring = supernetWiring(nodes);
  return { ops: [...ops], edges: wiring.map((e, i) => ({ from: e.input, to: e.node + 2, weights: [...rows[i]] })) };
}
