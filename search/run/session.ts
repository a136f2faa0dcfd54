/**
 * One sitting of a run in this process, for `search` and `resume`: a worker pool, Ctrl-C
 * handling, the progress display and the closing summary.
 */
import type { Store } from '../store/store.ts';
import type { Genotype, Space } from '../space/types.ts';
import { createPoolExecutor } from '../executor/pool.ts';
import type { Executor } from '../executor/types.ts';
import { createProgress, formatDuration } from '../util/progress.ts';
import { runConfigSchema, runStateSchema } from './config.ts';
import { runLoop, type LoopStatus } from './loop.ts';
import { makeStrategy } from './strategy.ts';
import { formatFront, frontOf } from './report.ts';

export interface SessionOptions {
  store: Store;
  runId: number;
  space: Space<Genotype>;
  /** Workers for this sitting (a resume may use another number than the start). */
  workers: number;
  /** For tests: an executor instead of the pool. */
  executor?: Executor;
  out?: (line: string) => void;
}

function statusText(s: LoopStatus): string {
  const best = s.bestAccuracy === null ? '-' : s.bestAccuracy.toFixed(4);
  return `done ${s.done} running ${s.running} failed ${s.failed} best ${best}`;
}

/** Runs the run to its end or to Ctrl-C; returns the exit code. */
export async function runSession(o: SessionOptions): Promise<number> {
  const out = o.out ?? ((line: string) => console.log(line));
  const run = o.store.getRun(o.runId)!;
  const config = runConfigSchema.parse(run.config);
  const saved = run.state == null ? null : runStateSchema.parse(run.state);
  const strategy = makeStrategy(o.space, config, saved ? { state: saved.strategy } : { seed: run.seed });
  const executor = o.executor ?? createPoolExecutor({ workers: o.workers, heartbeatMs: config.heartbeatMs, maxMemoryMb: config.maxMemoryMb ?? undefined });

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nsecond Ctrl-C: exiting now; the run resumes from its last stored state\n');
      process.exit(130);
    }
    process.stderr.write('\nstopping: abandoning running evaluations (they rerun on resume); Ctrl-C again to exit at once\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  let progress: ReturnType<typeof createProgress> | undefined;
  let doneAtStart = -1;
  const onStatus = (s: LoopStatus) => {
    if (doneAtStart < 0) {
      doneAtStart = s.done + s.failed;
      progress = createProgress({ label: `run ${run.id}`, total: s.done + s.failed + s.remaining - doneAtStart });
    }
    progress!.setTotal(s.done + s.failed + s.remaining - doneAtStart);
    progress!.update(s.done + s.failed - doneAtStart, `${statusText(s)} (run elapsed ${formatDuration(s.elapsedSeconds)})`);
  };

  let end;
  try {
    end = await runLoop({
      store: o.store, runId: run.id, space: o.space, config, strategy, executor, signal: controller.signal,
      dataset: run.dataset, backend: run.backend === 'table' ? undefined : run.backend, seed: run.seed, onStatus,
      log: (line) => process.stderr.write(`\n${line}\n`),
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress?.finish();
    await executor.close();
  }

  const summary = o.store.getRunSummary(run.id)!;
  const front = frontOf(o.store.listCandidates(run.id, { status: 'done' }), config.objectives);
  out('');
  out(`run ${run.id} ${end.status}: ${summary.counts.done} done, ${summary.counts.failed} failed of ${config.budget}`);
  if (front.length) {
    out(`Pareto front on ${config.objectives.join(', ')} (${front.length} of ${summary.counts.done}):`);
    out(formatFront(front));
  }
  const db = o.store.path;
  if (end.status === 'stopped') {
    out(`\nstopped. Resume with: cellscape resume ${run.id}${db === 'runs.db' ? '' : ` --db ${db}`}`);
    return 130;
  }
  if (end.status === 'failed') {
    out(`\nthe run failed: ${end.error}\n(fix the cause, then: cellscape resume ${run.id}${db === 'runs.db' ? '' : ` --db ${db}`})`);
    return 1;
  }
  return 0;
}
