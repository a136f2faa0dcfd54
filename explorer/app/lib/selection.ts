/** Pure helpers of the perturbation selection's view: edge names, what each move kept and dropped, labels. */
import * as d3 from 'd3';
import type { SelectionDecision } from '../../server/api-types.ts';
import { prettyNode } from './cells.ts';

/** A supernet cell's input by index, as the genotype counts it: the two previous cells, then the nodes. */
export const inputName = (i: number): string => prettyNode(i === 0 ? 'c_{k-2}' : i === 1 ? 'c_{k-1}' : String(i - 2));

/** Supernet edge `edge` (node i reads edges i(i+3)/2 .. i(i+3)/2 + i + 1, inputs 0..i+1) as `input → node`. */
export function edgeName(edge: number): string {
  let node = 0;
  while (((node + 1) * (node + 4)) / 2 <= edge) node++;
  return `${inputName(edge - (node * (node + 3)) / 2)} → ${node}`;
}

/** The two judges a selection can use, named as their papers. */
export function criterionText(criterion: string): string {
  return criterion === 'accuracy'
    ? 'validation accuracy of the supernet (DARTS-PT)'
    : `${criterion}, a zero-cost proxy of the supernet (Zero-Cost-PT)`;
}

/** A figure's value as the table prints it: accuracies in percent, proxies to three decimals (their differences are small). */
export const fmtFigure = (figure: string, v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '—' : figure === 'accuracy' ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);

/**
 * The shade of each score within its row: the lowest (removal costs the supernet most) darkest.
 * An edge keeps the op of the lowest score; a node drops, round by round, the input of the highest.
 */
export function rowShade(values: number[]): (v: number) => string {
  const [lo, hi] = d3.extent(values.filter(Number.isFinite)) as [number, number] | [undefined, undefined];
  if (lo === undefined || lo === hi) return () => d3.interpolateBlues(0.05);
  // Capped at mid-blue, so that the text on it stays readable.
  return (v) => d3.interpolateBlues(0.55 - (0.5 * (v - lo)) / (hi! - lo));
}

/** A node's move read round by round: each input's score without it, and the input that round dropped. */
export function nodeRounds(d: Extract<SelectionDecision, { kind: 'node' }>, figure: string): { scores: [number, number][]; dropped: number | null }[] {
  return d.rounds.map((round, r) => {
    const scores = Object.entries(round[figure] ?? {}).map(([e, v]) => [Number(e), v] as [number, number]);
    // The input missing from the next round (or from the kept pair, after the last round) is the one dropped.
    const next = r + 1 < d.rounds.length ? Object.keys(d.rounds[r + 1][figure] ?? {}).map(Number) : d.kept;
    return { scores, dropped: scores.find(([e]) => !next.includes(e))?.[0] ?? null };
  });
}
