/**
 * One executor whose answers several runs share: a task whose job repeats one already answered
 * (same architecture key, data set, budget, latency spec, seed, backend and evaluator; only the
 * run and candidate differ) gets that answer back instead of running again. `cellscape
 * specialise` runs one search per target on one supernet, and a one-shot score does not depend on
 * the target (the target is a constraint the strategy reads after the result), so each subnet is
 * scored once for all of them. A failure is not kept: the next task asking for it runs it.
 */
import type { EvalTask } from '../contracts/eval-task.ts';
import type { Outcome } from '../contracts/outcome.ts';
import type { Executor, RunningTask } from './types.ts';

/** Where a shared answer came from, kept in the reusing candidate's `extra` as `sharedFrom`. */
export interface SharedFrom { runId: number; candidateId: number }

export interface SharedResults {
  /** An executor for one run: its close() leaves the shared one open for the next run. */
  view(): Executor;
  /** Tasks the inner executor ran, and tasks answered by an earlier one's result. */
  readonly evaluations: number;
  readonly shared: number;
  /** Closes the inner executor. */
  close(): Promise<void>;
}

/** What makes two tasks the same evaluation: the job without its run and candidate, and the evaluator. */
function sameEvaluation({ job, evaluator }: EvalTask): string {
  const { runId: _run, candidateId: _candidate, ...rest } = job;
  return JSON.stringify([rest, evaluator]);
}

export function shareResults(inner: Executor): SharedResults {
  const answered = new Map<string, { task: RunningTask; from: SharedFrom }>();
  let evaluations = 0;
  let shared = 0;
  const start = (t: EvalTask): RunningTask => {
    const k = sameEvaluation(t);
    const earlier = answered.get(k);
    if (earlier) {
      shared++;
      const done = earlier.task.done.then((out): Outcome => (out.ok
        ? { ...out, result: { ...out.result, extra: { ...out.result.extra, sharedFrom: earlier.from } } }
        : out));
      // Still running for the earlier run: its worker's beats are this task's too.
      return { done, lastBeat: () => earlier.task.lastBeat(), abort: (kind, message) => earlier.task.abort(kind, message) };
    }
    evaluations++;
    const task = inner.start(t);
    // The entry goes as the failure arrives, before anyone waiting on it sees it, so a retry runs again.
    const done = task.done.then((out) => {
      if (!out.ok) answered.delete(k);
      return out;
    });
    const mine: RunningTask = { done, lastBeat: () => task.lastBeat(), abort: (kind, message) => task.abort(kind, message) };
    answered.set(k, { task: mine, from: { runId: t.job.runId, candidateId: t.job.candidateId } });
    return mine;
  };
  return {
    view: () => ({ slots: inner.slots, start, close: async () => {} }),
    get evaluations() { return evaluations; },
    get shared() { return shared; },
    close: () => inner.close(),
  };
}
