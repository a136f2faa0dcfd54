/**
 * The run loop's side of a multi-fidelity search (--fidelity asha|hyperband): which rung each
 * evaluation is at and the budget it trains on, the promotions ASHA decides
 * (../strategies/fidelity/asha.ts) when a worker frees, and their rows in the store's rungs table.
 * The store's rung rows are the whole state: a resumed search rebuilds it from them, puts the
 * rungs a dead process was running back to pending (their attempts not counted, as for
 * candidates), and starts decided promotions before deciding new ones, so no rung result is lost
 * or evaluated twice.
 *
 * How the strategy sees partial results: it is told each candidate once, at the candidate's
 * first (bottom) rung, in proposal order as in a plain run. Every result an evolution population
 * or an NSGA-II front holds is then measured at the same budget (one bracket), so the strategy
 * only ever compares like with like, the rule ASHA itself keeps within a rung; telling it a
 * promoted candidate's higher-rung accuracy instead would let budget, not architecture, win its
 * tournaments. Higher rungs decide what the search reports: a candidate's stored metrics are
 * those of the highest rung it reached, and the run's front is the top rung's.
 *
 * A promoted candidate trains again from scratch at the larger budget: the proxy anneals its
 * learning rate over the whole run (train/schedule.ts), so a short run is not the first part of a
 * longer one, and an images rung trains on a different subset; continuing from a checkpoint would
 * also have to carry weights between worker threads and queue machines. A rung therefore costs
 * its full budget, which the rung sizes (each 1/eta of the one below) keep in proportion.
 */
import type { ProxyBudget } from '../contracts/budget.ts';
import type { EpochRecord } from '../contracts/epoch.ts';
import type { MetricValues } from '../contracts/metrics.ts';
import type { Store } from '../store/store.ts';
import { nextPromotion, type RungEntry, type RungRanking } from '../strategies/fidelity/asha.ts';
import { bracketOf, rungBudgets, type Fidelity } from '../strategies/fidelity/rungs.ts';
import type { RunConfig } from './config.ts';

/** How rungs are ordered: NSGA-II runs by their objectives' fronts, every other by the run's fitness. */
export function rungRanking(c: RunConfig): RungRanking {
  return c.strategy === 'moo' && !c.scalar
    ? { kind: 'pareto', objectives: c.objectives, constraints: c.constraints }
    : { kind: 'fitness', fitness: c.fitness, constraints: c.constraints };
}

export interface RungJob {
  rungId: number;
  candidateId: number;
  rung: number;
}

export interface RunFidelity {
  /** Registers a candidate (in proposal order): its bracket follows from its position. */
  admit(candidateId: number): void;
  /** The rung a candidate's first evaluation is at. */
  firstRung(candidateId: number): number;
  budgetOf(rung: number): ProxyBudget;
  /** A decided promotion left pending (by a stop or a dead process), else a new one ASHA decides now, claimed for `worker`; undefined when none. */
  claimPromotion(worker: string): RungJob | undefined;
  /** Stores a candidate's first rung as it finishes (inside the caller's transaction). */
  recordFirst(candidateId: number, r: { metrics: MetricValues; epochs: EpochRecord[] } | { error: string }, attempts: number): void;
  complete(job: RungJob, metrics: MetricValues, epochs: EpochRecord[]): void;
  fail(job: RungJob, error: string): void;
  requeue(job: RungJob, status: 'pending' | 'stale', reason: string | null): void;
  attempts(job: RungJob): number;
  heartbeat(job: RungJob): void;
}

/**
 * The fidelity state of a run, read from the store. Rungs a dead search process left running go
 * back to pending; stale ones out of attempts fail (inside the caller's transaction).
 */
export function openRunFidelity(store: Store, runId: number, c: RunConfig & { fidelity: Fidelity }, maxAttempts: number): RunFidelity {
  const f = c.fidelity;
  const budgets = rungBudgets(c.proxy, f);
  const ranking = rungRanking(c);
  const bracketOfCandidate = new Map<number, number>();
  const entries: (RungEntry & { id: number })[] = [];
  const interrupted: number[] = [];
  for (const r of store.listRungs(runId)) {
    let status = r.status;
    if (status === 'running' && store.requeueRung(r.id, 'pending', null)) {
      status = 'pending';
      interrupted.push(r.candidateId);
    }
    if (status === 'stale' && r.attempts >= maxAttempts) {
      store.failRung(r.id, `${r.error ?? 'its evaluation never finished'} (gave up after ${r.attempts} attempts)`);
      status = 'failed';
    }
    entries.push({ id: r.id, candidate: r.candidateId, bracket: r.bracket, rung: r.rung, status: status === 'stale' ? 'pending' : status, ...(r.metrics ? { metrics: r.metrics } : {}) });
  }
  if (interrupted.length) {
    store.addEvent(runId, { level: 'info', kind: 'requeued', message: `${interrupted.length} promotion(s) interrupted by the end of the search process requeued (attempts not counted): candidates ${interrupted.join(', ')}` });
  }
  const entryOf = (job: RungJob) => entries.find((e) => e.id === job.rungId)!;
  const budgetOf = (rung: number) => budgets[rung];

  return {
    admit(candidateId) {
      if (!bracketOfCandidate.has(candidateId)) bracketOfCandidate.set(candidateId, bracketOf(bracketOfCandidate.size, f));
    },
    firstRung: (candidateId) => bracketOfCandidate.get(candidateId)!,
    budgetOf,
    claimPromotion(worker) {
      return store.transaction(() => {
        let entry = entries.find((e) => e.status === 'pending');
        if (!entry) {
          const p = nextPromotion(entries, f, ranking);
          if (!p) return undefined;
          const id = store.insertRung(runId, { candidateId: p.candidate, bracket: p.bracket, rung: p.rung, budget: { ...budgetOf(p.rung) }, status: 'pending' });
          entries.push((entry = { id, ...p, status: 'pending' }));
        }
        if (!store.markRungRunning(entry.id, worker)) throw new Error(`rung ${entry.id} could not be claimed (status changed under the search)`);
        entry.status = 'running';
        return { rungId: entry.id, candidateId: entry.candidate, rung: entry.rung };
      });
    },
    recordFirst(candidateId, r, attempts) {
      const bracket = bracketOfCandidate.get(candidateId)!;
      const ok = 'metrics' in r;
      const id = store.insertRung(runId, {
        candidateId, bracket, rung: bracket, budget: { ...budgetOf(bracket) }, status: ok ? 'done' : 'failed', attempts,
        ...(ok ? { metrics: r.metrics, epochs: r.epochs } : { error: r.error }),
      });
      entries.push({ id, candidate: candidateId, bracket, rung: bracket, status: ok ? 'done' : 'failed', ...(ok ? { metrics: r.metrics } : {}) });
    },
    complete(job, metrics, epochs) {
      store.completeRung(job.rungId, { metrics, epochs });
      Object.assign(entryOf(job), { status: 'done', metrics });
    },
    fail(job, error) {
      store.failRung(job.rungId, error);
      entryOf(job).status = 'failed';
    },
    requeue(job, status, reason) {
      store.requeueRung(job.rungId, status, reason);
      entryOf(job).status = 'pending';
    },
    attempts: (job) => store.listRungs(runId, job.candidateId).find((r) => r.id === job.rungId)!.attempts,
    heartbeat: (job) => store.heartbeatRung(job.rungId),
  };
}
