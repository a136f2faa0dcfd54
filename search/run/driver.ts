/**
 * A run driver: how one family of strategies turns a run's config and stored state into
 * evaluations and stored results. The ask/tell driver (drivers/ask-tell.ts) runs today's loop
 * (loop.ts) around a Strategy; the supernet driver (drivers/darts.ts) trains a supernet, reports
 * epochs, snapshots and genotypes as commits (see strategies/supernet.ts), then trains what it
 * derived as an ordinary candidate. `search` and `resume` speak only this interface; the registry
 * (registry.ts) says which driver serves which `--strategy`.
 */
import type { z } from 'zod';
import type { EvaluatorSpec } from '../contracts/eval-task.ts';
import type { LatencySpec } from '../contracts/latency-spec.ts';
import type { RunTask } from '../contracts/task.ts';
import type { Executor } from '../executor/types.ts';
import type { LoadedSpace } from '../space/load.ts';
import type { Genotype, Space } from '../space/types.ts';
import type { NewEvent, Run, Store } from '../store/store.ts';

/** Flags every strategy reads; the CLI parses these before it knows the driver. */
export interface CommonFlags {
  space: string;
  strategy: string;
  dataset?: string;
  db: string;
  name?: string;
  seed: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  executor: 'pool' | 'queue';
  redis?: string;
  queue?: string;
}

/** The run a driver makes of the flags, before it is created in the store. */
export interface RunPlan<C> {
  config: C;
  space: LoadedSpace;
  /** What the run measures, when not its space's task (a task derived from it: fewshot-seg). */
  task?: RunTask;
  dataset: string;
  /** The backend the run trains on (chosen once, recorded with the run), or 'table'. */
  backend: string;
  /** Workers of the first sitting's pool. */
  workers: number;
  /** One line saying what the run will do. */
  summary: string;
}

/** A stored run about to continue: its space (checked unchanged) and what to record and say. */
export interface Reopened {
  space: LoadedSpace;
  /** Workers of this sitting's pool. */
  workers: number;
  event: NewEvent;
  line: string;
}

/** What the pool or queue executor of a sitting must offer. */
export interface ExecutorNeeds {
  workers: number;
  heartbeatMs: number;
  maxMemoryMb: number | null;
  inFlight: number;
  maxAttempts: number;
  evaluator: EvaluatorSpec;
  latency: LatencySpec;
}

/** One sitting of a run in this process. */
export interface Sitting<C, S> {
  store: Store;
  run: Run;
  config: C;
  /** The driver's state of the last commit, null for a run that has not committed one. */
  state: S | null;
  space: Space<Genotype>;
  /** A directory for the run's checkpoints (not created until written). */
  checkpointDir: string;
  /** The run's executor (pool, queue, or one given), opened on first call and closed after the sitting. */
  executor(): Promise<Executor>;
  /** Aborted on Ctrl-C: the driver stops at its next safe point and leaves the run resumable. */
  signal: AbortSignal;
  log(line: string): void;
  /** Progress bars on the terminal. */
  progress: boolean;
}

export type RunEnd = { status: 'finished' | 'stopped'; error?: undefined } | { status: 'failed'; error: string };

export interface RunDriver<C = unknown, S = unknown, F extends z.ZodObject = z.ZodObject> {
  /** The flags only this driver reads, beside the common ones, and its help text for them. */
  readonly flags: F;
  readonly booleans?: readonly string[];
  readonly help: string;
  /** The run's stored config (runs.config_json) and state (runs.state_json); parse older shapes too. */
  readonly configSchema: z.ZodType<C>;
  readonly stateSchema: z.ZodType<S>;
  plan(strategy: string, common: CommonFlags, own: z.output<F>): Promise<RunPlan<C>>;
  /** Checks that a stored run may continue here; a UsageError says why not. */
  reopen(o: { store: Store; run: Run; config: C; state: S | null; workers?: number; force: boolean }): Promise<Reopened>;
  executorNeeds(config: C, workers: number): ExecutorNeeds;
  drive(s: Sitting<C, S>): Promise<RunEnd>;
  /** The closing lines of a sitting (the front, the derived genotype). */
  report(s: { store: Store; run: Run; config: C }, end: RunEnd, out: (line: string) => void): void;
}
