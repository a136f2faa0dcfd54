/**
 * A synthetic NAS-Bench-201-shaped benchmark: every cell of a tabular-cell space with an accuracy,
 * latency and parameter count from a fixed formula. Not real measurements: it gives strategy
 * comparisons, demos and tests a landscape with the structure of the real one (dead cells,
 * depth of convolutions paying off with diminishing returns, convolutions costing latency and
 * parameters, a little label-independent noise) without shipping the benchmark file.
 */
import type { TabularCellGenotype } from '../search/space/types.ts';

const capacity: Record<string, number> = { none: 0, skip_connect: 0, nor_conv_1x1: 1.5, nor_conv_3x3: 3, avg_pool_3x3: 0.5 };
const latencyMs: Record<string, number> = { none: 0, skip_connect: 0.02, nor_conv_1x1: 0.35, nor_conv_3x3: 1, avg_pool_3x3: 0.25 };
const params: Record<string, number> = { none: 0, skip_connect: 0, nor_conv_1x1: 16 * 16, nor_conv_3x3: 9 * 16 * 16, avg_pool_3x3: 0 };

export interface SyntheticRow {
  arch: string;
  accuracy: number;
  latency_ms: number;
  params: number;
}

/** Every genotype of `nodes` nodes over `ops` (5 ops, 4 nodes: the 15 625 NB201 cells). */
export function allTabularCells(ops: readonly string[], nodes: number): TabularCellGenotype[] {
  const edges = (nodes * (nodes - 1)) / 2;
  const out: TabularCellGenotype[] = [];
  for (let code = 0; code < ops.length ** edges; code++) {
    let c = code;
    out.push({
      nodes: Array.from({ length: nodes - 1 }, (_, j) => Array.from({ length: j + 1 }, () => {
        const op = ops[c % ops.length];
        c = Math.floor(c / ops.length);
        return op;
      })),
    });
  }
  return out;
}

/** Deterministic noise in [-0.5, 0.5) from a string (FNV-1a). */
function hashNoise(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32 - 0.5;
}

export function syntheticRow(g: TabularCellGenotype, arch: string): SyntheticRow {
  const n = g.nodes.length + 1;
  const op = (i: number, j: number) => g.nodes[j - 1][i];
  // Longest chain of learned capacity from the input to each node through non-zero edges.
  const cap: number[] = [0];
  for (let j = 1; j < n; j++) {
    let best = -Infinity;
    for (let i = 0; i < j; i++) if (op(i, j) !== 'none' && cap[i] > -Infinity) best = Math.max(best, cap[i] + capacity[op(i, j)]);
    cap[j] = best;
  }
  let latency = 0.5;
  let count = 0;
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) { latency += latencyMs[op(i, j)]; count += params[op(i, j)]; }
  const residual = op(0, n - 1) === 'skip_connect' ? 1 : 0;
  const accuracy = cap[n - 1] === -Infinity
    ? 0.1
    : 0.1 + 0.84 * (1 - Math.exp(-(cap[n - 1] + 0.8 * residual) / 4)) + 0.01 * hashNoise(arch);
  return { arch, accuracy: Math.round(accuracy * 1e5) / 1e5, latency_ms: Math.round(latency * 1e3) / 1e3, params: count };
}

/**
 * A learning curve for a synthetic row: accuracy after `epochs` epochs, rising from chance to the
 * row's accuracy with a time constant that grows with the cell's capacity (larger cells learn
 * slower, so early rankings favour small cells and curves cross), plus per-budget noise that
 * shrinks with training. Still a formula: it gives multi-fidelity searches a low fidelity that
 * is cheap, biased and noisy, as real short trainings are.
 */
export function syntheticCurve(g: TabularCellGenotype, row: SyntheticRow, epochs: number): number {
  const edges = g.nodes.flat();
  const capacitySum = edges.reduce((t, op) => t + capacity[op], 0);
  const tau = 0.5 + 0.25 * capacitySum;
  const accuracy = 0.1 + (row.accuracy - 0.1) * (1 - Math.exp(-epochs / tau)) + (0.04 / Math.sqrt(epochs)) * hashNoise(`${row.arch}@${epochs}`);
  return Math.round(Math.min(1, Math.max(0, accuracy)) * 1e5) / 1e5;
}

/** The rows with a column `acc_E` per number of epochs E: the learning curves of a multi-fidelity table. */
export function toCurveCsv(rows: readonly { g: TabularCellGenotype; row: SyntheticRow }[], epochs: readonly number[]): string {
  return `arch,accuracy,latency_ms,params,${epochs.map((e) => `acc_${e}`).join(',')}\n` + rows.map(({ g, row }) =>
    `${row.arch},${row.accuracy},${row.latency_ms},${row.params},${epochs.map((e) => syntheticCurve(g, row, e)).join(',')}`).join('\n') + '\n';
}

export function toCsv(rows: readonly SyntheticRow[]): string {
  return 'arch,accuracy,latency_ms,params\n' + rows.map((r) => `${r.arch},${r.accuracy},${r.latency_ms},${r.params}`).join('\n') + '\n';
}
