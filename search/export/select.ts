/** Which candidate of a run to export: one by id, the best on the task's quality (accuracy, mIoU), or the K-th member of the Pareto front. */
import { UsageError } from '../util/errors.ts';
import { paretoFront } from '../objectives/pareto.ts';
import type { Candidate, Store } from '../store/store.ts';
import { runQuality, type MetricName } from '../contracts/metrics.ts';

export type Selection = { candidate: number } | { best: true } | { frontIndex: number };

/**
 * The front is over (max quality, min latency) among done candidates that have both, or over
 * (max quality, min params) when no latency was measured; members are ordered by that second
 * objective, fastest (smallest) first, so index 0 is the fastest and the last the most accurate.
 */
export function paretoMembers(done: Candidate[], quality: MetricName): { members: Candidate[]; cost: 'latency_ms' | 'params' } {
  const cost = done.some((c) => c.metrics.latency_ms !== undefined) ? 'latency_ms' : 'params';
  const eligible = done.filter((c) => c.metrics[quality] !== undefined && c.metrics[cost] !== undefined);
  const front = paretoFront(eligible.map((c) => [c.metrics[quality]!, c.metrics[cost]!]), ['max', 'min']).map((i) => eligible[i]);
  front.sort((a, b) => a.metrics[cost]! - b.metrics[cost]! || b.metrics[quality]! - a.metrics[quality]! || a.id - b.id);
  return { members: front, cost };
}

export function selectCandidate(store: Store, runId: number, sel: Selection): Candidate {
  if ('candidate' in sel) {
    const c = store.getCandidate(sel.candidate);
    if (!c || c.runId !== runId) throw new UsageError(`--candidate ${sel.candidate}: run ${runId} has no such candidate`);
    return c;
  }
  const done = store.listCandidates(runId, { status: 'done' });
  const run = store.getRun(runId);
  const quality = runQuality(run?.task ?? 'classification', run?.config.evaluator);
  if (done.length === 0) throw new UsageError(`run ${runId} has no evaluated (done) candidate yet`);
  if ('best' in sel) {
    return done.filter((c) => c.metrics[quality] !== undefined).sort((a, b) => b.metrics[quality]! - a.metrics[quality]! || a.id - b.id)[0] ?? done[0];
  }
  const { members, cost } = paretoMembers(done, quality);
  if (!(sel.frontIndex >= 0 && sel.frontIndex < members.length)) {
    throw new UsageError(`--front-index ${sel.frontIndex}: the front of run ${runId} (${quality} vs ${cost}) has ${members.length} member${members.length === 1 ? '' : 's'}, indices 0..${members.length - 1}`);
  }
  return members[sel.frontIndex];
}
