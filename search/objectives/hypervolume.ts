/**
 * Hypervolume: the measure of the objective-space region dominated by a set and bounded by a
 * reference point. Exact: a sweep in 2-D, slicing along the last objective above that
 * (O(n^(k-1) log n), fine for the few hundred points of a front).
 */
import { toMinimization, type Direction } from './pareto.ts';

/**
 * The reference point is given in the objectives' own units (e.g. [accuracy 0, latency 50 ms]);
 * points not strictly better than it in every objective add nothing.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[], directions: readonly Direction[]): number {
  const ref = toMinimization(reference, directions);
  const inside = points
    .map((p) => toMinimization(p, directions))
    .filter((p) => p.every((v, i) => v < ref[i]));
  return hvMin(inside, ref);
}

function hvMin(points: number[][], ref: readonly number[]): number {
  if (points.length === 0) return 0;
  const k = ref.length;
  if (k === 1) return ref[0] - Math.min(...points.map((p) => p[0]));
  if (k === 2) {
    const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let volume = 0;
    let bestY = ref[1];
    for (const [x, y] of sorted) {
      if (y < bestY) {
        volume += (ref[0] - x) * (bestY - y);
        bestY = y;
      }
    }
    return volume;
  }
  // Slice along the last objective: between consecutive distinct values, the dominated region
  // is the (k-1)-D hypervolume of the points at or below the slice.
  const last = k - 1;
  const sorted = [...points].sort((a, b) => a[last] - b[last]);
  const subRef = ref.slice(0, last);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1][last] : ref[last];
    const depth = top - sorted[i][last];
    if (depth > 0) volume += depth * hvMin(sorted.slice(0, i + 1).map((p) => p.slice(0, last)), subRef);
  }
  return volume;
}
