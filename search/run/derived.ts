/**
 * Training a genotype a supernet derived, from scratch, as an ordinary candidate of its run: one
 * job through the run's executor (in-process, pool or queue), its result stored like any
 * candidate's. A stop puts the candidate back to pending for the resume to train again.
 */
import type { ProxyBudget } from '../contracts/budget.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { LatencySpec } from '../contracts/latency-spec.ts';
import type { Task } from '../contracts/task.ts';
import type { Genotype } from '../space/types.ts';
import { DEFAULT_TRAINED_PROXIES } from '../evaluate/zero-cost/index.ts';
import type { RunEnd, Sitting } from './driver.ts';

export interface DerivedJob {
  genotype: Genotype;
  key: string;
  /** Stored as the candidate's generation (a supernet driver uses its epoch count). */
  generation: number;
  dataset: string;
  budget: ProxyBudget;
  latency: LatencySpec;
  seed: number;
  /** Kept in the candidate's extra, e.g. 'darts'. */
  source: string;
}

/**
 * Runs the job and stores its outcome; on success `doneState` is saved and the run finishes in
 * the same transaction.
 */
export async function trainDerived(s: Sitting<unknown, unknown>, d: DerivedJob, doneState: unknown): Promise<RunEnd & { candidateId: number }> {
  const { store, run } = s;
  const { id } = store.insertCandidate(run.id, { genotype: d.genotype, key: d.key, generation: d.generation });
  const job: EvalJob = {
    runId: run.id, candidateId: id, key: d.key, spaceDef: run.spaceDefinition, genotype: d.genotype, task: run.task as Task,
    dataset: d.dataset, budget: d.budget, latency: d.latency, seed: d.seed, backend: run.backend,
  };
  if (store.getCandidate(id)!.status === 'done') {
    store.transaction(() => { store.saveRunState(run.id, doneState); store.updateRunStatus(run.id, 'finished'); });
    return { status: 'finished', candidateId: id };
  }
  // Still running: the process that trained it died; this is its next attempt.
  if (store.getCandidate(id)!.status === 'running') store.requeueCandidate(id, 'stale', 'its evaluation never finished');
  const executor = await s.executor();
  if (!store.markRunning(id, `pid ${process.pid}`)) throw new Error(`candidate ${id} could not be claimed (status changed under the run)`);
  s.log(`training the derived genotype from scratch (${d.budget.epochs} epochs on ${d.budget.trainImages} images)`);
  const task = executor.start({ job, evaluator: { kind: 'proxy', zeroCost: [...DEFAULT_TRAINED_PROXIES] } });
  const stop = () => task.abort('aborted', 'the run stopped');
  s.signal.addEventListener('abort', stop, { once: true });
  let outcome;
  try {
    outcome = await task.done;
  } finally {
    s.signal.removeEventListener('abort', stop);
  }
  if (outcome.ok) {
    const r = outcome.result;
    store.transaction(() => {
      for (const e of r.epochs) store.addEpoch(run.id, { ...e, candidateId: id });
      store.completeCandidate(id, {
        metrics: r.metrics, extra: { ...r.extra, source: d.source, backend: r.backend, worker: r.worker },
      });
      store.saveRunState(run.id, doneState);
      store.updateRunStatus(run.id, 'finished');
    });
    return { status: 'finished', candidateId: id };
  }
  if (outcome.kind === 'aborted') {
    store.transaction(() => { store.requeueCandidate(id, 'pending', null); store.updateRunStatus(run.id, 'stopped'); });
    return { status: 'stopped', candidateId: id };
  }
  const error = `evaluating the derived genotype: ${outcome.error}`;
  store.transaction(() => {
    store.failCandidate(id, outcome.error);
    store.addEvent(run.id, { level: 'error', kind: `failed-${outcome.kind}`, message: `candidate ${id} failed: ${outcome.error}`, data: outcome.stack ? { stack: outcome.stack } : undefined });
    store.updateRunStatus(run.id, 'failed', error);
  });
  return { status: 'failed', error, candidateId: id };
}
