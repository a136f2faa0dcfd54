/**
 * The search loop of one run: asks the strategy, stores candidates, keeps every executor slot
 * busy, stores results as they arrive, and tells them to the strategy in the order it proposed
 * them — each tell, the refill it leads to, the strategy state and the progress row in one
 * transaction, so that a run killed at any point resumes from the store without losing or
 * repeating a finished candidate, and proposes what the uninterrupted run would have.
 *
 * Candidate life: pending → running → done | failed; a worker that crashes or stops beating
 * makes it stale (retried up to maxAttempts); a stop (Ctrl-C) or the death of the search process
 * puts running ones back to pending, their attempt not counted.
 *
 * With a fidelity (config.fidelity, ./fidelity.ts) a freed worker first runs a promotion of an
 * evaluated candidate to the next rung when ASHA has one, else the next proposal at its bottom
 * rung; the strategy is told each candidate's bottom-rung result, as above.
 */
import type { Store, Candidate } from '../store/store.ts';
import type { Genotype, Space } from '../space/types.ts';
import type { RunTask } from '../contracts/task.ts';
import type { Metrics } from '../objectives/metrics.ts';
import { metricDirection } from '../objectives/metrics.ts';
import { hypervolume } from '../objectives/hypervolume.ts';
import { fitnessOf } from '../strategies/fitness.ts';
import type { Result, Strategy } from '../strategies/types.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { Executor, RunningTask } from '../executor/types.ts';
import type { Outcome } from '../contracts/outcome.ts';
import { finiteValues, runQuality } from '../contracts/metrics.ts';
import type { RunConfig, RunState } from './config.ts';
import { runStateSchema } from './config.ts';
import { openRunFidelity, type RungJob } from './fidelity.ts';

export interface LoopStatus {
  done: number;
  failed: number;
  running: number;
  /** Candidates still to finish, including those not yet proposed. */
  remaining: number;
  budget: number;
  bestAccuracy: number | null;
  elapsedSeconds: number;
}

export interface LoopOptions {
  store: Store;
  runId: number;
  space: Space<Genotype>;
  config: RunConfig;
  strategy: Strategy<Genotype>;
  executor: Executor;
  /** Aborting stops the search cleanly: running jobs are abandoned and rerun on resume. */
  signal?: AbortSignal;
  /** Dataset and backend every job names. */
  dataset: string;
  backend?: string;
  seed: number;
  onStatus?: (s: LoopStatus) => void;
  log?: (line: string) => void;
}

export type LoopEnd = { status: 'finished' | 'stopped' } | { status: 'failed'; error: string };

/** Seed of one candidate's training: from the run's seed and the architecture, not its position. */
export function jobSeed(runSeed: number, key: string): number {
  let h = (0x811c9dc5 ^ runSeed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 2 ** 31;
}

/** The result a stored, finished candidate gives the strategy. */
export function resultOf(c: Candidate): Result {
  if (c.status === 'failed') return { key: c.key, error: c.error ?? 'failed' };
  return { key: c.key, metrics: c.metrics };
}

const hvPoints = (c: RunConfig, results: Metrics[]): number[][] =>
  results.map((m) => c.objectives.map((o) => m[o] ?? NaN)).filter((p) => p.every(Number.isFinite));

/**
 * Reference point for the hypervolume: 0 for maximized objectives (accuracy); for minimized ones
 * the bound the user set (--max-latency, --max-params), else twice the largest of the first
 * results, so that the point stays fixed for the run and its progress rows compare.
 */
function fixReference(c: RunConfig, points: number[][]): number[] {
  return c.objectives.map((o, i) => {
    if (metricDirection[o] === 'max') return 0;
    const bound = c.constraints.find((k) => k.metric === o);
    return bound ? bound.max : 2 * Math.max(...points.map((p) => p[i]));
  });
}
const REFERENCE_AFTER = 10;

export async function runLoop(o: LoopOptions): Promise<LoopEnd> {
  const { store, runId, config: c, strategy, executor } = o;
  const log = o.log ?? (() => {});
  const run = store.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const saved: RunState = run.state == null
    ? { strategy: null, told: 0, exhausted: false, hvReference: null }
    : runStateSchema.parse(run.state);
  let { told, exhausted, hvReference } = saved;
  const quality = runQuality(run.task, c.evaluator);
  const previous = store.listProgress(runId).at(-1);
  const elapsedBefore = previous?.elapsedSeconds ?? 0;
  const t0 = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;

  // ---- Rebuild the picture from the store ----
  // Candidates still marked running belong to a search process that died (kill -9, power
  // loss): the search was killed, not their evaluation, so they go back to pending without the
  // attempt counting (a crash of a candidate's own worker is counted where it happens). Stale
  // ones out of attempts (left so by earlier versions) fail.
  store.transaction(() => {
    const interrupted = store.listCandidates(runId, { status: 'running' }).filter((x) => store.requeueCandidate(x.id, 'pending', null));
    if (interrupted.length) {
      store.addEvent(runId, { level: 'info', kind: 'requeued', message: `${interrupted.length} evaluation(s) interrupted by the end of the search process requeued (attempts not counted): candidates ${interrupted.map((x) => x.id).join(', ')}` });
    }
    for (const x of store.listCandidates(runId, { status: 'stale' })) {
      if (x.attempts >= c.maxAttempts) store.failCandidate(x.id, `${x.error ?? 'its evaluation never finished'} (gave up after ${x.attempts} attempts)`);
    }
  });
  const fidelity = c.fidelity ? store.transaction(() => openRunFidelity(store, runId, { ...c, fidelity: c.fidelity! }, c.maxAttempts)) : undefined;
  const all = store.listCandidates(runId);
  for (const x of all) fidelity?.admit(x.id);
  /** Every candidate's key and genotype, for the jobs of its evaluations (promotions come after its tell). */
  const byId = new Map(all.map((x) => [x.id, { key: x.key, genotype: x.genotype as Genotype }]));
  const idOfKey = new Map(all.map((x) => [x.key, x.id]));
  const told_: Metrics[] = [];
  let failedCount = 0;
  for (const x of all.slice(0, told)) {
    const r = resultOf(x);
    if ('metrics' in r) told_.push(r.metrics); else failedCount++;
  }
  /** Proposed, not yet told, in proposal order. */
  const open: { id: number; key: string; genotype: Genotype }[] = all.slice(told).map((x) => ({ id: x.id, key: x.key, genotype: x.genotype as Genotype }));
  const ready = new Map<number, Result>();
  const queue: number[] = [];
  for (const x of all.slice(told)) {
    if (x.status === 'done' || x.status === 'failed') ready.set(x.id, resultOf(x));
    else queue.push(x.id);
  }
  let asked = all.length;

  /** By candidate: a candidate has at most one evaluation at a time (a promotion follows its last rung). */
  const running = new Map<number, { task: RunningTask; startedAt: number; promotion?: RungJob }>();
  let consecutiveFailures = 0;
  let fatal: string | undefined;

  const status = (): LoopStatus => {
    const done = told_.length + [...ready.values()].filter((r) => 'metrics' in r).length;
    const failed = failedCount + [...ready.values()].filter((r) => 'error' in r).length;
    const accs = told_.map((m) => m[quality]).filter((v) => v !== undefined);
    for (const r of ready.values()) if ('metrics' in r && r.metrics[quality] !== undefined) accs.push(r.metrics[quality]);
    return {
      done, failed, running: running.size, budget: c.budget, remaining: (exhausted ? asked : c.budget) - done - failed,
      bestAccuracy: accs.length ? Math.max(...accs) : null, elapsedSeconds: elapsed(),
    };
  };

  const saveState = () => store.saveRunState(runId, { strategy: strategy.state(), told, exhausted, hvReference } satisfies RunState);

  /** Asks for proposals up to the in-flight window and stores them (inside the caller's transaction). */
  const refill = () => {
    const want = Math.min(c.inFlight - open.length, c.budget - asked);
    if (exhausted || want <= 0) return;
    const proposals = strategy.ask(want);
    if (proposals.length < want) exhausted = true;
    for (const p of proposals) {
      const parentId = p.parentKey === undefined ? undefined : idOfKey.get(p.parentKey);
      const { id, inserted } = store.insertCandidate(runId, {
        genotype: p.genotype, key: p.key, generation: p.generation, parentIds: parentId === undefined ? [] : [parentId],
      });
      if (!inserted) throw new Error(`strategy proposed '${p.key}' twice`);
      idOfKey.set(p.key, id);
      byId.set(id, { key: p.key, genotype: p.genotype });
      fidelity?.admit(id);
      open.push({ id, key: p.key, genotype: p.genotype });
      queue.push(id);
      asked++;
    }
  };

  const recordProgress = () => {
    const points = hvPoints(c, told_);
    if (!hvReference && points.length >= Math.min(REFERENCE_AFTER, c.budget)) {
      hvReference = fixReference(c, points);
      store.addEvent(runId, { level: 'info', kind: 'hv-reference', message: `hypervolume reference point: ${c.objectives.map((n, i) => `${n} ${hvReference![i]}`).join(', ')}`, data: { objectives: c.objectives, reference: hvReference } });
    }
    const values = told_.map((m) => m[quality]).filter((v) => v !== undefined);
    const best = values.length ? Math.max(...values) : null;
    store.addProgress(runId, {
      evaluated: told, elapsedSeconds: elapsed(), bestAccuracy: best,
      hypervolume: hvReference ? hypervolume(points, hvReference, c.objectives.map((n) => metricDirection[n])) : null,
      reference: hvReference ? Object.fromEntries(c.objectives.map((n, i) => [n, hvReference![i]])) : null,
    });
  };

  /** Tells every result at the head of the proposal order, one at a time, each with its refill. */
  const advance = () => {
    while (open.length > 0 && ready.has(open[0].id)) {
      const head = open.shift()!;
      const result = ready.get(head.id)!;
      ready.delete(head.id);
      store.transaction(() => {
        strategy.tell([result]);
        told++;
        if ('metrics' in result) told_.push(result.metrics); else failedCount++;
        refill();
        recordProgress();
        saveState();
      });
    }
  };

  const jobOf = (id: number, rung?: number): EvalJob => {
    const x = byId.get(id)!;
    return {
      runId, candidateId: id, key: x.key, spaceDef: run.spaceDefinition, genotype: x.genotype, task: run.task as RunTask,
      dataset: o.dataset, budget: fidelity ? fidelity.budgetOf(rung ?? fidelity.firstRung(id)) : c.proxy, latency: c.latency,
      seed: jobSeed(o.seed, x.key), backend: o.backend,
    };
  };

  const startQueued = () => {
    while (!fatal && !o.signal?.aborted && running.size < executor.slots) {
      const promotion = fidelity?.claimPromotion(`pid ${process.pid}`);
      if (promotion) {
        const task = executor.start({ job: jobOf(promotion.candidateId, promotion.rung), evaluator: c.evaluator });
        running.set(promotion.candidateId, { task, startedAt: Date.now(), promotion });
        continue;
      }
      if (queue.length === 0) break;
      const id = queue.shift()!;
      if (!store.markRunning(id, `pid ${process.pid}`)) throw new Error(`candidate ${id} could not be claimed (status changed under the search)`);
      running.set(id, { task: executor.start({ job: jobOf(id), evaluator: c.evaluator }), startedAt: Date.now() });
    }
  };

  /**
   * An evaluation's end. A promotion (with a fidelity) updates its rung row and, on success, the
   * candidate's metrics to its highest rung's; only a candidate's first evaluation is told to the strategy.
   */
  const settle = (id: number, outcome: Outcome) => {
    const promotion = running.get(id)?.promotion;
    running.delete(id);
    const what = promotion ? `candidate ${id} at rung ${promotion.rung}` : `candidate ${id}`;
    const key = byId.get(id)?.key ?? String(id);
    if (outcome.ok) {
      consecutiveFailures = 0;
      const r = outcome.result;
      // A failed measurement (NaN) is not a value: neither stored nor remembered by the strategy.
      // A predictor-guided strategy's forecast, made before this evaluation, is kept beside what it measured.
      const forecast = promotion ? undefined : strategy.predicted?.(key);
      const metrics = finiteValues(forecast === undefined ? r.metrics : { ...r.metrics, predicted: forecast });
      store.transaction(() => {
        store.completeCandidate(id, {
          metrics,
          score: c.fitness.kind === 'metric' ? null : fitnessOf(metrics, c.fitness),
          extra: { ...r.extra, worker: r.worker, backend: r.backend, ...(outcome.tensors ? { tensors: outcome.tensors } : {}) },
        });
        if (promotion) fidelity!.complete(promotion, metrics, r.epochs);
        else {
          for (const e of r.epochs) store.addEpoch(runId, { candidateId: id, ...e });
          fidelity?.recordFirst(id, { metrics, epochs: r.epochs }, store.getCandidate(id)!.attempts);
        }
        if (outcome.tensors && outcome.tensors.after !== outcome.tensors.before) {
          store.addEvent(runId, { level: 'warn', kind: 'tensor-leak', message: `${what} left ${outcome.tensors.after - outcome.tensors.before} tensors behind on ${r.worker}`, data: outcome.tensors });
        }
      });
      if (!promotion) ready.set(id, { key, metrics });
      return;
    }
    const requeue = (status: 'pending' | 'stale', reason: string | null) =>
      (promotion ? fidelity!.requeue(promotion, status, reason) : store.requeueCandidate(id, status, reason));
    if (outcome.kind === 'aborted') {
      requeue('pending', null);
      return;
    }
    const attempts = promotion ? fidelity!.attempts(promotion) : store.getCandidate(id)!.attempts;
    if ((outcome.kind === 'crash' || outcome.kind === 'stale') && attempts < c.maxAttempts) {
      store.transaction(() => {
        requeue('stale', outcome.error);
        store.addEvent(runId, { level: 'warn', kind: 'retry', message: `${what}: ${outcome.error}; retrying (attempt ${attempts + 1} of ${c.maxAttempts})` });
      });
      if (!promotion) queue.unshift(id);
      return;
    }
    const error = outcome.kind === 'crash' || outcome.kind === 'stale' ? `${outcome.error} (gave up after ${attempts} attempts)` : outcome.error;
    store.transaction(() => {
      if (promotion) fidelity!.fail(promotion, error);
      else {
        store.failCandidate(id, error);
        fidelity?.recordFirst(id, { error }, attempts);
      }
      store.addEvent(runId, { level: outcome.kind === 'usage' ? 'error' : 'warn', kind: `failed-${outcome.kind}`, message: `${what} failed: ${error}`, data: outcome.stack ? { stack: outcome.stack } : undefined });
    });
    log(`${what} failed (${outcome.kind}): ${error}`);
    if (!promotion) ready.set(id, { key, error });
    consecutiveFailures++;
    if (outcome.kind === 'usage') fatal = error;
    else if (consecutiveFailures >= c.maxConsecutiveFailures) fatal = `${consecutiveFailures} evaluations in a row failed; the last: ${error}`;
  };

  // Watches running jobs: refreshes their heartbeats in the store while their workers show life,
  // aborts those that went silent or ran over their time limit.
  const watch = setInterval(() => {
    const now = Date.now();
    for (const [id, r] of running) {
      if (now - r.task.lastBeat() > c.staleAfterMs) {
        r.task.abort('stale', `no sign of life from its worker for ${Math.round((now - r.task.lastBeat()) / 1000)}s`);
      } else if (c.timeLimitMs !== null && now - r.startedAt > c.timeLimitMs) {
        r.task.abort('timeout', `exceeded the time limit of ${c.timeLimitMs / 1000}s`);
      } else if (r.promotion) {
        fidelity!.heartbeat(r.promotion);
      } else {
        store.heartbeat(id);
      }
    }
  }, c.heartbeatMs);

  const stopAll = () => { for (const r of running.values()) r.task.abort('aborted', 'the search stopped'); };
  o.signal?.addEventListener('abort', stopAll, { once: true });
  try {
    store.transaction(() => { refill(); saveState(); });
    advance();
    for (;;) {
      startQueued();
      o.onStatus?.(status());
      if (running.size === 0) break;
      const [id, outcome] = await Promise.race([...running].map(([id, r]) => r.task.done.then((out) => [id, out] as const)));
      settle(id, outcome);
      if (fatal || o.signal?.aborted) stopAll();
      advance();
    }
  } finally {
    clearInterval(watch);
    o.signal?.removeEventListener('abort', stopAll);
  }
  o.onStatus?.(status());
  if (fatal) {
    store.updateRunStatus(runId, 'failed', fatal);
    store.addEvent(runId, { level: 'error', kind: 'failed', message: fatal });
    return { status: 'failed', error: fatal };
  }
  if (o.signal?.aborted) {
    store.updateRunStatus(runId, 'stopped');
    store.addEvent(runId, { level: 'info', kind: 'stopped', message: `stopped after ${told} results` });
    return { status: 'stopped' };
  }
  if (open.length > 0) throw new Error(`search loop ended with ${open.length} candidates open`);
  store.updateRunStatus(runId, 'finished');
  store.addEvent(runId, { level: 'info', kind: 'finished', message: `finished: ${told_.length} done, ${failedCount} failed` });
  return { status: 'finished' };
}
