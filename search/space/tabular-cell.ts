/**
 * The NAS-Bench-201 cell space: nodes 0 (input) .. N-1 (output), an edge with an operation from
 * every node to every later one, each node summing its incoming edges. Genotypes read and write
 * the benchmark's string form `|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|...|`.
 */
import { z } from 'zod';
import type { Rng } from '../util/rng.ts';
import type { Space, TabularCellGenotype } from './types.ts';
import type { TabularCellSpaceDef } from './schema.ts';
import { ZERO_OP } from './ops.ts';
import { fieldError, formatIssues } from './issues.ts';
import { UsageError } from '../util/errors.ts';

export interface TabularCellSpace extends Space<TabularCellGenotype> {
  readonly family: 'tabular-cell';
  readonly def: TabularCellSpaceDef;
}

const TabularShape = z.strictObject({ nodes: z.array(z.array(z.string())).min(1) });

export function formatNb201(g: TabularCellGenotype): string {
  return g.nodes.map((ins) => `|${ins.map((op, j) => `${op}~${j}`).join('|')}|`).join('+');
}

export function parseNb201(text: string, source = 'genotype'): TabularCellGenotype {
  const nodes = text.trim().split('+').map((part, i) => {
    if (!/^\|.*\|$/.test(part)) throw fieldError(source, ['nodes', i], `expected |op~j|...| for node ${i + 1}, got '${part}'`);
    return part.slice(1, -1).split('|').map((edge, j) => {
      const m = /^([A-Za-z0-9_]+)~(\d+)$/.exec(edge);
      if (!m || Number(m[2]) !== j) throw fieldError(source, ['nodes', i, j], `expected op~${j}, got '${edge}'`);
      return m[1];
    });
  });
  return { nodes };
}

export function validateTabular(g: unknown, ops: readonly string[], nodeCount: number, source = 'genotype'): TabularCellGenotype {
  const parsed = TabularShape.safeParse(g);
  if (!parsed.success) throw new UsageError(formatIssues(source, parsed.error.issues));
  const { nodes } = parsed.data;
  if (nodes.length !== nodeCount - 1) throw fieldError(source, ['nodes'], `expected ${nodeCount - 1} nodes after the input, got ${nodes.length}`);
  nodes.forEach((ins, i) => {
    if (ins.length !== i + 1) throw fieldError(source, ['nodes', i], `node ${i + 1} takes ${i + 1} edges, got ${ins.length}`);
    ins.forEach((op, j) => {
      if (!ops.includes(op)) throw fieldError(source, ['nodes', i, j], `expected one of ${ops.join(', ')}`);
    });
  });
  return { nodes };
}

/**
 * Canonical form: an edge out of a node that only ever receives zero carries zero, and an edge
 * into a node that cannot reach the output is unused; both become `none`. Intermediate nodes are
 * then renumbered in an order fixed by their structure (depth, then the expression they compute),
 * which merges cells that differ only by relabelling nodes. (NAS-Bench-201's own uniqueness
 * string goes further and treats skip_connect as the identity; this key does not, so it merges
 * only cells whose built networks are identical up to relabelling.)
 */
export function canonicalTabular(g: TabularCellGenotype): TabularCellGenotype {
  const n = g.nodes.length + 1;
  const op = (i: number, j: number): string => g.nodes[j - 1][i];
  const nonzero = [true];
  for (let j = 1; j < n; j++) nonzero[j] = Array.from({ length: j }, (_, i) => i).some((i) => nonzero[i] && op(i, j) !== ZERO_OP);
  const useful: boolean[] = [];
  useful[n - 1] = true;
  for (let i = n - 2; i >= 0; i--) {
    useful[i] = Array.from({ length: n - 1 - i }, (_, k) => i + 1 + k).some((j) => useful[j] && nonzero[i] && op(i, j) !== ZERO_OP);
  }
  const live = (i: number, j: number): boolean => nonzero[i] && useful[j] && op(i, j) !== ZERO_OP;
  const expr: string[] = ['in'];
  const depth: number[] = [0];
  for (let j = 1; j < n; j++) {
    const ins = Array.from({ length: j }, (_, i) => i).filter((i) => live(i, j));
    expr[j] = `[${ins.map((i) => `${op(i, j)}(${expr[i]})`).sort().join('+')}]`;
    depth[j] = ins.length ? 1 + Math.max(...ins.map((i) => depth[i])) : 0;
  }
  const middle = Array.from({ length: n - 2 }, (_, k) => k + 1)
    .sort((a, b) => depth[a] - depth[b] || (expr[a] < expr[b] ? -1 : expr[a] > expr[b] ? 1 : a - b));
  const order = [0, ...middle, n - 1];
  const nodes = Array.from({ length: n - 1 }, (_, jj) => Array.from({ length: jj + 1 }, (_, ii) => {
    const [i, j] = [order[ii], order[jj + 1]];
    return i < j && live(i, j) ? op(i, j) : ZERO_OP;
  }));
  return { nodes };
}

export function tabularKey(g: TabularCellGenotype): string {
  return formatNb201(canonicalTabular(g));
}

const MUTATION_TRIES = 16;

export function createTabularCellSpace(def: TabularCellSpaceDef, hash: string): TabularCellSpace {
  const nodeCount = def.cell.nodes;
  const ops = def.cell.ops;
  const edgeSlots = Array.from({ length: nodeCount - 1 }, (_, j) => Array.from({ length: j + 1 }, (_, i) => [j, i] as const)).flat();

  const mutateOnce = (g: TabularCellGenotype, rng: Rng): TabularCellGenotype => {
    const [j, i] = rng.pick(edgeSlots);
    const nodes = g.nodes.map((ins) => [...ins]);
    const others = ops.filter((o) => o !== nodes[j][i]);
    if (others.length > 0) nodes[j][i] = rng.pick(others);
    return { nodes };
  };

  return {
    name: def.name,
    family: 'tabular-cell',
    hash,
    def,
    sample: (rng) => ({ nodes: Array.from({ length: nodeCount - 1 }, (_, j) => Array.from({ length: j + 1 }, () => rng.pick(ops))) }),
    mutate: (g, rng) => {
      const key = tabularKey(g);
      let child = mutateOnce(g, rng);
      for (let t = 1; t < MUTATION_TRIES && tabularKey(child) === key; t++) child = mutateOnce(g, rng);
      return child;
    },
    crossover: (a, b, rng) => ({ nodes: a.nodes.map((ins, j) => ins.map((op, i) => rng.next() < 0.5 ? op : b.nodes[j][i])) }),
    key: tabularKey,
    describe: formatNb201,
    validate: (g: unknown, source?: string) => validateTabular(g, ops, nodeCount, source),
  };
}
