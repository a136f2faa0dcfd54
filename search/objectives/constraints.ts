/**
 * Hard constraints (e.g. latency ≤ 20 ms, params ≤ 1 M). Infeasible candidates are ranked after
 * every feasible one, ordered by how far they are over (Deb's constrained domination), so that a
 * search that starts outside the feasible region is pulled towards it.
 */
import { nonDominatedSort, type Direction } from './pareto.ts';

export interface UpperBound {
  /** Index of the constrained value in the vectors given to `violation`. */
  index: number;
  max: number;
}

/** Sum of relative excesses over the bounds; 0 = feasible. A missing (NaN) value counts as fully violating. */
export function violation(values: readonly number[], bounds: readonly UpperBound[]): number {
  let total = 0;
  for (const { index, max } of bounds) {
    const v = values[index];
    if (Number.isNaN(v)) { total += 1; continue; }
    if (v > max) total += max > 0 ? (v - max) / max : v - max;
  }
  return total;
}

/**
 * Fronts as in `nonDominatedSort` for the feasible points, followed by the infeasible points
 * grouped by equal violation, least violating first.
 */
export function constrainedSort(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
  violations: readonly number[],
): number[][] {
  const feasible = points.map((_, i) => i).filter((i) => violations[i] === 0);
  const fronts = nonDominatedSort(feasible.map((i) => points[i]), directions).map((f) => f.map((j) => feasible[j]));
  const infeasible = points.map((_, i) => i).filter((i) => violations[i] > 0).sort((a, b) => violations[a] - violations[b] || a - b);
  for (let i = 0; i < infeasible.length;) {
    let j = i;
    while (j < infeasible.length && violations[infeasible[j]] === violations[infeasible[i]]) j++;
    fronts.push(infeasible.slice(i, j));
    i = j;
  }
  return fronts;
}
