/**
 * Genotype derivation as in DARTS (model_search.py `genotype()`): for every node, each incoming
 * edge is rated by its strongest operation other than `none`; the two best-rated edges are kept,
 * each with that strongest operation. Ties go to the earlier input, then to the earlier op in
 * the space's order, so that a derivation is a pure function of the weights.
 */
import { ZERO_OP } from '../../space/ops.ts';
import type { CellEdge, CellGenotype } from '../../space/types.ts';

/** Mixing weights of one cell type: one row per supernet edge (node by node, input 0 first), one column per op. */
export type WeightMatrix = readonly (readonly number[])[];

/** The supernet row of node `node`'s first input edge: nodes 0, 1, 2, ... read 2, 3, 4, ... edges in turn. */
export const firstEdgeOf = (node: number): number => (node * (node + 3)) / 2;

/** The two-input cell of one cell type. */
export function deriveHalf(weights: WeightMatrix, ops: readonly string[], nodes: number): CellEdge[] {
  const expected = (nodes * (nodes + 3)) / 2;
  if (weights.length !== expected) throw new Error(`derivation: ${nodes} nodes need ${expected} edge rows, got ${weights.length}`);
  const choosable = ops.map((op, k) => (op === ZERO_OP ? -1 : k)).filter((k) => k >= 0);
  if (choosable.length === 0) throw new Error('derivation: the space has no operation besides none');
  const out: CellEdge[] = [];
  let row = 0;
  for (let node = 0; node < nodes; node++) {
    const rated = Array.from({ length: node + 2 }, (_, input) => {
      const w = weights[row + input];
      if (w.length !== ops.length) throw new Error(`derivation: edge ${row + input} has ${w.length} weights for ${ops.length} ops`);
      let best = choosable[0];
      for (const k of choosable) if (w[k] > w[best]) best = k;
      return { input, op: ops[best], strength: w[best] };
    });
    // A stable sort keeps the earlier input first among equal strengths.
    const [a, b] = [...rated].sort((x, y) => y.strength - x.strength);
    for (const e of [a, b].sort((x, y) => x.input - y.input)) out.push([e.op, e.input]);
    row += node + 2;
  }
  return out;
}

/** Both cell types; every intermediate node is concatenated, as DARTS does. */
export function deriveGenotype(normal: WeightMatrix, reduce: WeightMatrix, ops: readonly string[], nodes: number): CellGenotype {
  const concat = Array.from({ length: nodes }, (_, i) => i + 2);
  return { normal: deriveHalf(normal, ops, nodes), normal_concat: concat, reduce: deriveHalf(reduce, ops, nodes), reduce_concat: [...concat] };
}
