/**
 * Runs as the CLI starts, continues and sits through them, whatever their driver: a new run
 * created from a driver's plan, a stored one reopened, one sitting with its executor (opened when
 * the driver first asks for it, closed after), Ctrl-C handling, and the closing summary.
 */
import type { Executor } from '../executor/types.ts';
import { createPoolExecutor } from '../executor/pool.ts';
import { openQueueForRun } from '../executor/queue-session.ts';
import type { Genotype, Space } from '../space/types.ts';
import type { Run, Store } from '../store/store.ts';
import { UsageError } from '../util/errors.ts';
import type { Reopened, RunDriver, RunEnd, RunPlan, Sitting } from './driver.ts';

// Drivers differ in config, state and flags; the run layer handles them alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDriver = RunDriver<any, any, any>;

export interface RunMeta {
  strategy: string;
  name?: string;
  seed: number;
  versions: Record<string, string>;
  commandLine: string;
}

/** Where a run keeps files of its own beside the database (a supernet's checkpoints). */
export function checkpointDir(dbPath: string, runId: number): string {
  return `${dbPath}.checkpoints/run-${runId}`;
}

/** Creates the run a driver planned, with a first event saying what it will do. */
export function createRun(store: Store, plan: RunPlan<unknown>, meta: RunMeta): Run {
  const def = plan.space.def;
  return store.transaction(() => {
    const run = store.createRun({
      name: meta.name ?? `${meta.strategy}-${def.name}-${new Date().toISOString().slice(0, 16)}`,
      strategy: meta.strategy, spaceName: def.name, spaceDefinition: def, spaceHash: plan.space.hash, task: plan.task ?? def.task,
      dataset: plan.dataset, config: plan.config as Record<string, unknown>, seed: meta.seed, backend: plan.backend, versions: meta.versions,
      commandLine: meta.commandLine,
    });
    store.addEvent(run.id, { level: 'info', kind: 'started', message: `started: ${plan.summary}` });
    return run;
  });
}

/** A stored run's config and state as its driver reads them; a usage error when they do not parse. */
export function storedOf<C, S>(driver: Pick<RunDriver<C, S>, 'configSchema' | 'stateSchema'>, run: Run): { config: C; state: S | null } {
  const config = driver.configSchema.safeParse(run.config);
  if (!config.success) throw new UsageError(`run ${run.id}: its stored config does not describe a ${run.strategy} run: ${config.error.issues[0].message}`);
  if (run.state == null) return { config: config.data, state: null };
  const state = driver.stateSchema.safeParse(run.state);
  if (!state.success) throw new UsageError(`run ${run.id}: its stored state does not describe a ${run.strategy} run: ${state.error.issues[0].message}`);
  return { config: config.data, state: state.data };
}

/** Makes a stopped, failed or killed run ready to continue: checks, then marks it running and records why. */
export async function reopenRun(store: Store, run: Run, driver: AnyDriver, o: { workers?: number; force?: boolean } = {}): Promise<Reopened> {
  if (run.status === 'finished') throw new UsageError(`run ${run.id} is finished; nothing to resume (cellscape show ${run.id})`);
  const { config, state } = storedOf(driver, run);
  const reopened = await driver.reopen({ store, run, config, state, workers: o.workers, force: o.force ?? false });
  store.transaction(() => {
    store.updateRunStatus(run.id, 'running');
    store.addEvent(run.id, reopened.event);
  });
  return reopened;
}

export interface SitOptions<E extends RunEnd> {
  store: Store;
  runId: number;
  driver: AnyDriver;
  space: Space<Genotype>;
  workers: number;
  /** An executor instead of the pool (tests); else the queue at `redis`, else a pool of `workers`. */
  executor?: Executor;
  redis?: string;
  queue?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: boolean;
  /** Drives instead of driver.drive (a test's hooks). */
  drive?: (s: Sitting<never, never>) => Promise<E>;
}

/** One sitting: the driver drives the run until it ends or the signal stops it. */
export async function sit<E extends RunEnd = RunEnd>(o: SitOptions<E>): Promise<E> {
  const run = o.store.getRun(o.runId);
  if (!run) throw new Error(`no run ${o.runId}`);
  const { config, state } = storedOf(o.driver, run);
  let opened: Promise<Executor> | undefined;
  const open = async (): Promise<Executor> => {
    if (o.executor) return o.executor;
    const needs = o.driver.executorNeeds(config, o.workers);
    if (o.redis) return openQueueForRun(run, needs, o.redis, (e) => o.store.addEvent(run.id, e), o.queue);
    return createPoolExecutor({ workers: needs.workers, heartbeatMs: needs.heartbeatMs, maxMemoryMb: needs.maxMemoryMb ?? undefined });
  };
  const sitting: Sitting<unknown, unknown> = {
    store: o.store, run, config, state, space: o.space, checkpointDir: checkpointDir(o.store.path, run.id), signal: o.signal ?? new AbortController().signal,
    executor: () => (opened ??= open()), log: o.log ?? (() => {}), progress: o.progress ?? false,
  };
  try {
    return await (o.drive ?? ((s) => o.driver.drive(s) as Promise<E>))(sitting as Sitting<never, never>);
  } finally {
    if (opened) await (await opened).close();
  }
}

/** A sitting in the terminal: Ctrl-C stops it, the driver's summary closes it; returns the exit code. */
export async function runSession(o: Omit<SitOptions<RunEnd>, 'signal' | 'log' | 'progress'> & { out?: (line: string) => void }): Promise<number> {
  const out = o.out ?? ((line: string) => console.log(line));
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nsecond Ctrl-C: exiting now; the run resumes from its last stored state\n');
      process.exit(130);
    }
    process.stderr.write('\nstopping: running evaluations are abandoned (they rerun on resume); Ctrl-C again to exit at once\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let end: RunEnd;
  try {
    end = await sit({ ...o, signal: controller.signal, log: (line) => process.stderr.write(`\n${line}\n`), progress: true });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const run = o.store.getRun(o.runId)!;
  out('');
  o.driver.report({ store: o.store, run, config: storedOf(o.driver, run).config }, end, out);
  const db = o.store.path;
  const resume = `cellscape resume ${run.id}${db === 'runs.db' ? '' : ` --db ${db}`}`;
  if (end.status === 'stopped') {
    out(`\nstopped. Resume with: ${resume}`);
    return 130;
  }
  if (end.status === 'failed') {
    out(`\nthe run failed: ${end.error}\n(fix the cause, then: ${resume})`);
    return 1;
  }
  return 0;
}
