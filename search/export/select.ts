/** Which candidate of a run to export: one by id, the most accurate, or the K-th member of the Pareto front. */
import { UsageError } from '../util/errors.ts';
import { paretoFront } from '../objectives/pareto.ts';
import type { Candidate, Store } from '../store/store.ts';

export type Selection = { candidate: number } | { best: true } | { frontIndex: number };

/**
 * The front is over (max accuracy, min latency) among done candidates that have both, or over
 * (max accuracy, min params) when no latency was measured; members are ordered by that second
 * objective, fastest (smallest) first, so index 0 is the fastest and the last the most accurate.
 */
export function paretoMembers(done: Candidate[]): { members: Candidate[]; cost: 'latencyMs' | 'params' } {
  const cost = done.some((c) => c.latencyMs !== null) ? 'latencyMs' : 'params';
  const eligible = done.filter((c) => c.accuracy !== null && c[cost] !== null);
  const front = paretoFront(eligible.map((c) => [c.accuracy!, c[cost]!]), ['max', 'min']).map((i) => eligible[i]);
  front.sort((a, b) => a[cost]! - b[cost]! || b.accuracy! - a.accuracy! || a.id - b.id);
  return { members: front, cost };
}

export function selectCandidate(store: Store, runId: number, sel: Selection): Candidate {
  if ('candidate' in sel) {
    const c = store.getCandidate(sel.candidate);
    if (!c || c.runId !== runId) throw new UsageError(`--candidate ${sel.candidate}: run ${runId} has no such candidate`);
    return c;
  }
  const done = store.listCandidates(runId, { status: 'done' });
  if (done.length === 0) throw new UsageError(`run ${runId} has no evaluated (done) candidate yet`);
  if ('best' in sel) {
    return done.filter((c) => c.accuracy !== null).sort((a, b) => b.accuracy! - a.accuracy! || a.id - b.id)[0] ?? done[0];
  }
  const { members, cost } = paretoMembers(done);
  if (!(sel.frontIndex >= 0 && sel.frontIndex < members.length)) {
    throw new UsageError(`--front-index ${sel.frontIndex}: the front of run ${runId} (accuracy vs ${cost}) has ${members.length} member${members.length === 1 ? '' : 's'}, indices 0..${members.length - 1}`);
  }
  return members[sel.frontIndex];
}
