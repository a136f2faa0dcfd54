/**
 * What the explorer derives from a run's candidate columns: the non-dominated front on any two
 * metrics and the progress curves (best quality, hypervolume). Pure functions; the Pareto and
 * hypervolume arithmetic is the objectives module's, the directions the metric registry's.
 */
import { dominatesMin, toMinimization, type Direction } from '../../search/objectives/pareto.ts';
import { hypervolume } from '../../search/objectives/hypervolume.ts';
import { metricDirection as METRIC_DIRECTION } from '../../search/objectives/metrics.ts';
import type { CandidateColumns, Metric, ProgressPoint } from './api-types.ts';

/** A metric's column; all nulls when the run's task has no such metric. */
export function column(cols: CandidateColumns, m: Metric): (number | null)[] {
  return cols.metrics[m] ?? new Array(cols.id.length).fill(null);
}

/** Indices (into the columns) of the candidates having both metrics. */
function measured(xs: (number | null)[], ys: (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) if (xs[i] != null && ys[i] != null) out.push(i);
  return out;
}

/**
 * Candidate ids of the non-dominated set on (x, y), sorted by x. One sort and one sweep (the
 * first front only; the objectives module's full non-dominated sort costs several times more on
 * 100k points): in (x, y) order, minimized, a point is dominated iff an earlier point that is not
 * equal to it has a y no greater; equal points share the front.
 */
export function frontIds(cols: CandidateColumns, x: Metric, y: Metric): number[] {
  const sx = METRIC_DIRECTION[x] === 'max' ? -1 : 1;
  const sy = METRIC_DIRECTION[y] === 'max' ? -1 : 1;
  const xs = column(cols, x);
  const ys = column(cols, y);
  const idx = measured(xs, ys);
  const a = new Float64Array(cols.id.length);
  const b = new Float64Array(cols.id.length);
  for (const i of idx) { a[i] = sx * (xs[i] as number); b[i] = sy * (ys[i] as number); }
  idx.sort((i, j) => a[i] - a[j] || b[i] - b[j]);
  const out: number[] = [];
  let minB = Infinity;
  for (let k = 0; k < idx.length;) {
    const i = idx[k];
    let end = k + 1;
    while (end < idx.length && a[idx[end]] === a[i] && b[idx[end]] === b[i]) end++;
    if (b[i] < minB) { for (let m = k; m < end; m++) out.push(idx[m]); minB = b[i]; }
    k = end;
  }
  return out
    .sort((p, q) => (xs[p] as number) - (xs[q] as number) || (ys[p] as number) - (ys[q] as number))
    .map((i) => cols.id[i]);
}

/** The front of the candidates with their coordinates (compare view). */
export function frontPoints(cols: CandidateColumns, x: Metric, y: Metric): { id: number; x: number; y: number }[] {
  const pos = new Map(cols.id.map((id, i) => [id, i]));
  const xs = column(cols, x);
  const ys = column(cols, y);
  return frontIds(cols, x, y).map((id) => {
    const i = pos.get(id)!;
    return { id, x: xs[i] as number, y: ys[i] as number };
  });
}

/** The run's quality against its front's cost when measured, else latency, else parameters, else FLOPs. */
export function progressObjectives(cols: CandidateColumns, quality: Metric, preferred: Metric = 'latency_ms'): [Metric, Metric] {
  for (const cost of [preferred, 'latency_ms', 'params', 'flops'] as const) {
    if (column(cols, cost).some((v) => v != null)) return [quality, cost];
  }
  return [quality, 'latency_ms'];
}

/** Reference point: zero quality and 10% beyond the worst cost seen (in any of the given runs). */
export function referencePoint(runs: CandidateColumns[], cost: Metric): [number, number] {
  let worst = 0;
  for (const cols of runs) for (const v of column(cols, cost)) if (v != null && v > worst) worst = v;
  return [0, worst > 0 ? worst * 1.1 : 1];
}

const MAX_POINTS = 2000;

/**
 * Best quality (the first objective) and hypervolume after each evaluated candidate (in finishing order), as the
 * step points where either changes. The front is kept incrementally, so a run costs
 * O(n · front size) plus one small hypervolume per front change.
 */
export function progressCurve(cols: CandidateColumns, objectives: [Metric, Metric], reference: [number, number]): ProgressPoint[] {
  const dirs: Direction[] = [METRIC_DIRECTION[objectives[0]], METRIC_DIRECTION[objectives[1]]];
  const as = column(cols, objectives[0]);
  const bs = column(cols, objectives[1]);
  let front: number[][] = []; // minimized form
  let hv: number | null = null;
  let best: number | null = null;
  const points: ProgressPoint[] = [];
  const n = cols.id.length;
  for (let i = 0; i < n; i++) {
    let changed = false;
    const va = as[i];
    const vb = bs[i];
    if (va != null && (best === null || va > best)) { best = va; changed = true; }
    if (va != null && vb != null) {
      const p = toMinimization([va, vb], dirs);
      if (!front.some((f) => dominatesMin(f, p) || (f[0] === p[0] && f[1] === p[1]))) {
        front = front.filter((f) => !dominatesMin(p, f));
        front.push(p);
        hv = hypervolume(front.map((f) => toMinimization(f, dirs)), reference, dirs);
        changed = true;
      }
    }
    if (changed || i === n - 1) {
      points.push({ evaluated: i + 1, seconds: cols.finishedAt[i] / 1000, best, hypervolume: hv });
    }
  }
  if (points.length <= MAX_POINTS) return points;
  const step = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, k) => k % step === 0 || k === points.length - 1);
}
