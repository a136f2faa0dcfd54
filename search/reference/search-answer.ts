/**
 * What a finished (or stopped) search answers, judged as its user would read it, for benchmarks
 * that compare searches (bench/multi-fidelity.ts). A multi-fidelity search's rungs below the top
 * train on less, so their accuracies do not compare with full-budget ones: only candidates
 * evaluated at the full budget (every done candidate of a plain search, those done at the top rung
 * of a fidelity search) can be its answer, and its answer is the most accurate of them. Pure: no
 * store, no files.
 */
import type { MetricValues } from '../contracts/metrics.ts';

export interface Evaluated { id: number; status: string; metrics: MetricValues }
export interface RungRow { candidateId: number; rung: number; status: string }

/**
 * The candidates evaluated at the full budget: with `topRung` null (no fidelity) every done one,
 * else those with a done evaluation at rung `topRung` (the proxy budget), in the order given.
 */
export function fullBudget<C extends Evaluated>(candidates: readonly C[], rungs: readonly RungRow[], topRung: number | null): C[] {
  const done = candidates.filter((c) => c.status === 'done');
  if (topRung === null) return done;
  const atTop = new Set(rungs.filter((r) => r.status === 'done' && r.rung === topRung).map((r) => r.candidateId));
  return done.filter((c) => atTop.has(c.id));
}

/** The most accurate of `full` on `metric` (the first on a tie), or null when none was measured. */
export function answerOf<C extends Evaluated>(full: readonly C[], metric: string): C | null {
  let best: C | null = null;
  for (const c of full) {
    const v = c.metrics[metric as keyof MetricValues];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (best === null || v > (best.metrics[metric as keyof MetricValues] as number)) best = c;
  }
  return best;
}

/** Done evaluations per rung, bottom first (`rungs` entries; a plain search has all at the top). */
export function perRung(candidates: readonly Evaluated[], rungs: readonly RungRow[], topRung: number | null, count: number): number[] {
  const out = new Array<number>(count).fill(0);
  if (topRung === null) out[count - 1] = candidates.filter((c) => c.status === 'done').length;
  else for (const r of rungs) if (r.status === 'done') out[r.rung]++;
  return out;
}

/** The share (0-100) of `table` an accuracy beats, ties counting half: 90 or more is the top 10 %. */
export function percentileIn(accuracy: number, table: readonly number[]): number {
  if (table.length === 0) throw new Error('percentile in an empty table');
  const beaten = table.filter((t) => t < accuracy).length, tied = table.filter((t) => t === accuracy).length;
  return (100 * (beaten + tied / 2)) / table.length;
}
