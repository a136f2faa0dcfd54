/** The executor's interface: it starts tasks and hands back their outcomes, whatever runs them. */
import type { EvalTask } from '../contracts/eval-task.ts';
import type { Outcome } from '../contracts/outcome.ts';

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
  start(task: EvalTask): RunningTask;
  close(): Promise<void>;
}
