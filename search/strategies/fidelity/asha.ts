/**
 * Asynchronous successive halving (ASHA, Li et al. 2020, Algorithm 2): when a worker frees, look
 * from the highest rung down for a candidate in the top 1/eta of its rung's results that has not
 * been promoted yet, and promote it one rung; only when there is none does the search start a new
 * candidate at its bracket's bottom rung. No rung waits for the one below to fill, so no worker
 * ever idles waiting for a synchronous halving, and a rung's top 1/eta grows as results arrive.
 *
 * Candidates are compared only within a rung (and bracket): a rung-0 accuracy after one epoch and
 * a rung-2 accuracy after nine are different measurements, and ranking one against the other
 * would reward budget, not architecture.
 *
 * Pure: the state is the list of rung entries (what the store keeps, one per candidate and rung),
 * so a resumed search decides from exactly what the killed one had recorded.
 */
import { metricDirection, objectiveVector, type Metrics } from '../../objectives/metrics.ts';
import { constrainedSort } from '../../objectives/constraints.ts';
import { crowdingDistance, type Direction } from '../../objectives/pareto.ts';
import { fitnessOf, violationOf, type Constraint, type Fitness } from '../fitness.ts';
import type { MetricName } from '../../contracts/metrics.ts';
import type { Fidelity } from './rungs.ts';

export type RungStatus = 'pending' | 'running' | 'done' | 'failed';

/** One candidate's evaluation at one rung. */
export interface RungEntry {
  candidate: number;
  bracket: number;
  rung: number;
  status: RungStatus;
  /** Present when done. */
  metrics?: Metrics;
}

/** How results of one rung are ordered: by the run's scalar fitness, or by Pareto fronts on its objectives (MO-ASHA, Schmucker et al. 2021). */
export type RungRanking =
  | { kind: 'fitness'; fitness: Fitness; constraints: readonly Constraint[] }
  | { kind: 'pareto'; objectives: readonly MetricName[]; constraints: readonly Constraint[] };

/**
 * Candidates best first. Feasible before infeasible (least violation first); by fitness, or by
 * front and then crowding distance (spread along the front first); ties by candidate id.
 */
export function orderWithinRung(results: readonly { candidate: number; metrics: Metrics }[], ranking: RungRanking): number[] {
  const violations = results.map((r) => violationOf(r.metrics, ranking.constraints));
  let points: number[][];
  let directions: Direction[];
  if (ranking.kind === 'fitness') {
    points = results.map((r) => [fitnessOf(r.metrics, ranking.fitness)]);
    directions = ['max'];
  } else {
    points = results.map((r) => objectiveVector(r.metrics, ranking.objectives));
    directions = ranking.objectives.map((m) => metricDirection[m]);
  }
  const out: number[] = [];
  for (const front of constrainedSort(points, directions, violations)) {
    const crowding = crowdingDistance(points, front);
    const order = front.map((i, k) => ({ i, c: crowding[k] }))
      .sort((a, b) => b.c - a.c || results[a.i].candidate - results[b.i].candidate);
    out.push(...order.map((x) => results[x.i].candidate));
  }
  return out;
}

export interface Promotion {
  candidate: number;
  bracket: number;
  /** The rung it is promoted to. */
  rung: number;
}

/**
 * The promotion a free worker should run, or undefined when the search should start a new
 * candidate instead. A rung with n finished evaluations (failures count, and rank last) promotes
 * from its best floor(n/eta) done ones; higher rungs are served first, then lower brackets.
 */
export function nextPromotion(entries: readonly RungEntry[], f: Fidelity, ranking: RungRanking): Promotion | undefined {
  const at = new Map<string, RungEntry[]>();
  const reached = new Set<string>();
  for (const e of entries) {
    const key = `${e.bracket}/${e.rung}`;
    if (!at.has(key)) at.set(key, []);
    at.get(key)!.push(e);
    reached.add(`${e.candidate}/${e.rung}`);
  }
  for (let rung = f.rungs - 2; rung >= 0; rung--) {
    for (let bracket = 0; bracket <= rung; bracket++) {
      const here = at.get(`${bracket}/${rung}`) ?? [];
      const finished = here.filter((e) => e.status === 'done' || e.status === 'failed').length;
      const k = Math.floor(finished / f.eta);
      if (k === 0) continue;
      const done = here.filter((e) => e.status === 'done').map((e) => ({ candidate: e.candidate, metrics: e.metrics ?? {} }));
      const top = orderWithinRung(done, ranking).slice(0, k);
      const next = top.find((c) => !reached.has(`${c}/${rung + 1}`));
      if (next !== undefined) return { candidate: next, bracket, rung: rung + 1 };
    }
  }
  return undefined;
}
