/**
 * The DARTS cell space: a normal and a reduction cell, each a DAG of `nodes` intermediate nodes
 * that sum two operation-applied inputs (0, 1 = the two previous cells, 2.. = earlier nodes); the
 * cell's output concatenates the nodes listed in *_concat.
 */
import { z } from 'zod';
import type { Rng } from '../util/rng.ts';
import type { CellEdge, CellGenotype, Space } from './types.ts';
import type { CellSpaceDef } from './schema.ts';
import { PARAMETER_FREE_OPS, ZERO_OP } from './ops.ts';
import { fieldError, formatIssues } from './issues.ts';
import { UsageError } from '../util/errors.ts';

export interface CellSpace extends Space<CellGenotype> {
  readonly family: 'cell';
  readonly def: CellSpaceDef;
}

export const CELL_HALVES = ['normal', 'reduce'] as const;
export type CellHalf = (typeof CELL_HALVES)[number];

const CellGenotypeShape = z.strictObject({
  normal: z.array(z.tuple([z.string(), z.int().min(0)])),
  normal_concat: z.array(z.int()).min(1),
  reduce: z.array(z.tuple([z.string(), z.int().min(0)])),
  reduce_concat: z.array(z.int()).min(1),
});

/** The edges of a half cell grouped by node: node i (state i + 2) owns edges 2i and 2i + 1. */
function nodesOf(edges: readonly CellEdge[]): CellEdge[][] {
  const nodes: CellEdge[][] = [];
  for (let i = 0; i < edges.length; i += 2) nodes.push([edges[i], edges[i + 1]]);
  return nodes;
}

/**
 * Canonical form of one half cell: nodes that neither feed the concat nor a node that does are
 * dropped; the remaining nodes are renumbered in an order fixed by their structure (depth, then
 * the expression they compute), each node's two edges are sorted, and a zero edge's input is 0.
 * Isomorphic cells thus coincide (short of pathological cases with several identical nodes read
 * by identical readers).
 */
function canonicalHalf(edges: readonly CellEdge[], concat: readonly number[]): { edges: CellEdge[]; concat: number[] } {
  const nodes = nodesOf(edges);
  const live = new Set(concat);
  for (let state = nodes.length + 1; state >= 2; state--) {
    if (!live.has(state)) continue;
    for (const [op, input] of nodes[state - 2]) if (op !== ZERO_OP && input >= 2) live.add(input);
  }
  const expr = new Map<number, string>([[0, 'c0'], [1, 'c1']]);
  const depth = new Map<number, number>([[0, 0], [1, 0]]);
  for (let state = 2; state < nodes.length + 2; state++) {
    const terms = nodes[state - 2].map(([op, input]) => op === ZERO_OP ? op : `${op}(${expr.get(input)})`).sort();
    expr.set(state, `[${terms.join('+')}]`);
    depth.set(state, 1 + Math.max(0, ...nodes[state - 2].filter(([op]) => op !== ZERO_OP).map(([, i]) => depth.get(i)!)));
  }
  // Nodes computing the same expression are told apart by what reads them.
  const readers = new Map<number, string[]>();
  for (const state of live) {
    for (const [op, input] of nodes[state - 2]) {
      if (op !== ZERO_OP && input >= 2) readers.set(input, [...readers.get(input) ?? [], `${op}>${expr.get(state)}`]);
    }
  }
  const rank = (s: number): string => `${expr.get(s)}|${(readers.get(s) ?? []).sort().join(',')}|${concat.includes(s) ? 'out' : ''}`;
  const order = [...live].sort((a, b) => depth.get(a)! - depth.get(b)! || (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : a - b));
  const renumber = (s: number): number => s < 2 ? s : 2 + order.indexOf(s);
  const out: CellEdge[] = [];
  for (const state of order) {
    const pair = nodes[state - 2].map(([op, input]): CellEdge => [op, op === ZERO_OP ? 0 : renumber(input)]);
    pair.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    out.push(...pair);
  }
  return { edges: out, concat: concat.map(renumber).sort((a, b) => a - b) };
}

/** The genotype that builds the same network with dead nodes removed, in canonical numbering. */
export function canonicalCell(g: CellGenotype): CellGenotype {
  const normal = canonicalHalf(g.normal, g.normal_concat);
  const reduce = canonicalHalf(g.reduce, g.reduce_concat);
  return { normal: normal.edges, normal_concat: normal.concat, reduce: reduce.edges, reduce_concat: reduce.concat };
}

export function cellKey(g: CellGenotype): string {
  return JSON.stringify(canonicalCell(g));
}

/** e.g. `normal: 2=sep_conv_3x3(0)+sep_conv_3x3(1)  3=...  out=concat(2,3,4,5)`. */
export function describeCell(g: CellGenotype): string {
  return CELL_HALVES.map((half) => {
    const nodes = nodesOf(g[half]).map((pair, i) => `${i + 2}=${pair.map(([op, input]) => `${op}(${input})`).join('+')}`);
    return `${half}: ${nodes.join('  ')}  out=concat(${g[`${half}_concat`].join(',')})`;
  }).join('\n');
}

/** Checks g against a space of `nodes` nodes over `ops`, naming the bad field. */
export function validateCell(g: unknown, ops: readonly string[], nodeCount: number, source = 'genotype'): CellGenotype {
  const parsed = CellGenotypeShape.safeParse(g);
  if (!parsed.success) throw new UsageError(formatIssues(source, parsed.error.issues));
  const geno = parsed.data as CellGenotype;
  for (const half of CELL_HALVES) {
    const edges = geno[half];
    if (edges.length !== 2 * nodeCount) {
      throw fieldError(source, [half], `expected ${2 * nodeCount} edges (${nodeCount} nodes x 2 inputs), got ${edges.length}`);
    }
    edges.forEach(([op, input], e) => {
      if (!ops.includes(op)) throw fieldError(source, [half, e, 0], `expected one of ${ops.join(', ')}`);
      const maxInput = Math.floor(e / 2) + 1;
      if (input > maxInput) throw fieldError(source, [half, e, 1], `node ${Math.floor(e / 2) + 2} can take inputs 0..${maxInput}, got ${input}`);
    });
    const concat = geno[`${half}_concat`];
    concat.forEach((state, i) => {
      if (state < 2 || state > nodeCount + 1) throw fieldError(source, [`${half}_concat`, i], `expected a node 2..${nodeCount + 1}, got ${state}`);
      if (concat.indexOf(state) !== i) throw fieldError(source, [`${half}_concat`, i], `duplicate node ${state}`);
    });
  }
  return geno;
}

function sampleHalf(pickOp: () => string, nodeCount: number, rng: Rng): CellEdge[] {
  const edges: CellEdge[] = [];
  for (let node = 0; node < nodeCount; node++) {
    // Two distinct inputs, as DARTS derives them (the top two incoming edges of a node).
    const first = rng.int(node + 2);
    const second = (first + 1 + rng.int(node + 1)) % (node + 2);
    edges.push([pickOp(), first], [pickOp(), second]);
  }
  return edges;
}

/** Mutations a key does not see (e.g. swapping a node's inputs) are retried this many times. */
const MUTATION_TRIES = 16;

export function createCellSpace(def: CellSpaceDef, hash: string): CellSpace {
  const nodeCount = def.cell.nodes;
  // A discrete genotype never chooses the zero op: it exists for the supernet's mixed edges.
  const choosable = def.cell.ops.filter((op) => op !== ZERO_OP);
  const fullConcat = Array.from({ length: nodeCount }, (_, i) => i + 2);
  // What an edge costs is almost all whether its op has weights: pooling and skips add next to no
  // multiply-adds, every convolution adds a few hundred thousand (darts-fmnist-small: 2.1 M MACs
  // with none, 9.8 M with all). A cost level is the chance that an edge draws a weighted op.
  const free = choosable.filter((op) => PARAMETER_FREE_OPS.includes(op));
  const weighted = choosable.filter((op) => !PARAMETER_FREE_OPS.includes(op));
  const sampleWith = (rng: Rng, pickOp: () => string): CellGenotype => ({
    normal: sampleHalf(pickOp, nodeCount, rng),
    normal_concat: [...fullConcat],
    reduce: sampleHalf(pickOp, nodeCount, rng),
    reduce_concat: [...fullConcat],
  });

  const mutateOnce = (g: CellGenotype, rng: Rng): CellGenotype => {
    const half = rng.pick(CELL_HALVES);
    const edges = g[half].map(([op, input]): CellEdge => [op, input]);
    const e = rng.int(edges.length);
    const [op, input] = edges[e];
    const otherInput = edges[e ^ 1][1];
    const inputs = Array.from({ length: Math.floor(e / 2) + 2 }, (_, i) => i).filter((i) => i !== input && i !== otherInput);
    const ops = choosable.filter((o) => o !== op);
    if (inputs.length > 0 && (ops.length === 0 || rng.next() < 0.5)) edges[e] = [op, rng.pick(inputs)];
    else if (ops.length > 0) edges[e] = [rng.pick(ops), input];
    return { ...g, [half]: edges };
  };

  const space: CellSpace = {
    name: def.name,
    family: 'cell',
    hash,
    def,
    sample: (rng) => sampleWith(rng, () => rng.pick(choosable)),
    sampleAtCost: (rng, level) => {
      if (!(level >= 0 && level <= 1)) throw new Error(`cost level must be in [0, 1], got ${level}`);
      if (free.length === 0 || weighted.length === 0) return sampleWith(rng, () => rng.pick(choosable));
      return sampleWith(rng, () => rng.pick(rng.next() < level ? weighted : free));
    },
    mutate: (g, rng) => {
      const key = cellKey(g);
      let child = mutateOnce(g, rng);
      for (let t = 1; t < MUTATION_TRIES && cellKey(child) === key; t++) child = mutateOnce(g, rng);
      return child;
    },
    crossover: (a, b, rng) => {
      const child = { ...a };
      for (const half of CELL_HALVES) {
        const na = nodesOf(a[half]);
        const nb = nodesOf(b[half]);
        child[half] = na.flatMap((pair, i) => (rng.next() < 0.5 ? pair : nb[i]).map(([op, input]): CellEdge => [op, input]));
        child[`${half}_concat`] = [...(rng.next() < 0.5 ? a : b)[`${half}_concat`]];
      }
      return child;
    },
    key: cellKey,
    describe: describeCell,
    validate: (g: unknown, source?: string) => validateCell(g, def.cell.ops, nodeCount, source),
  };
  return space;
}
