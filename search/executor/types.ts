/**
 * What an executor runs and what it hands back. A task is an evaluation job plus the evaluator
 * that answers it, both plain JSON; an outcome is a result or a failure that says what kind it
 * was, because the search treats them differently (a crash or a silent worker is retried, an
 * error in the job is not).
 */
import type { TableColumns } from '../evaluate/table.ts';
import type { EvalJob, EvalResult } from './job.ts';

export type EvaluatorSpec =
  /** Train from scratch on the job's proxy budget (search/evaluate/proxy.ts). */
  | { kind: 'proxy' }
  /**
   * Look the architecture up in a benchmark table. `delayMs` makes each lookup cost that much
   * wall time, to exercise parallel and interrupted searches at table speed.
   */
  | { kind: 'table'; path: string; columns: TableColumns; delayMs?: number };

export interface Task {
  job: EvalJob;
  evaluator: EvaluatorSpec;
}

export interface TensorCount {
  before: number;
  after: number;
}

/**
 * error: the job threw; usage: the user's input is wrong (stops the search); timeout: over its
 * time limit; oom: over the worker's memory limit; crash: the worker died; stale: the worker
 * stopped showing signs of life; aborted: the search stopped it (Ctrl-C).
 */
export type FailureKind = 'error' | 'usage' | 'timeout' | 'oom' | 'crash' | 'stale' | 'aborted';

export type Outcome =
  | { ok: true; result: EvalResult; tensors: TensorCount | null }
  | { ok: false; kind: FailureKind; error: string; stack?: string };

export interface RunningTask {
  readonly done: Promise<Outcome>;
  /** Time (ms since the epoch) of the running worker's last sign of life. */
  lastBeat(): number;
  /** Stops the task; `done` then resolves with a failure of this kind and message. */
  abort(kind: 'timeout' | 'stale' | 'aborted', message: string): void;
}

export interface Executor {
  /** How many tasks it runs at once; starting more than that is the caller's mistake. */
  readonly slots: number;
  start(task: Task): RunningTask;
  close(): Promise<void>;
}
