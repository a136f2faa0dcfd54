/**
 * Runs tasks in the calling thread, one at a time: for tabular evaluators, tests and debugging.
 * A task that hangs hangs the caller, so there is no heartbeat to watch; aborting only stops
 * waiting for it.
 */
import { failureOf } from './serve.ts';
import { runTask } from './run-task.ts';
import { LatencyLock } from '../latency/lock.ts';
import type { Executor, RunningTask } from './types.ts';
import type { Outcome } from '../contracts/outcome.ts';
import type { EvalTask } from '../contracts/eval-task.ts';

export function createInProcessExecutor(): Executor {
  const lock = new LatencyLock();
  return {
    slots: 1,
    start(task: EvalTask): RunningTask {
      let settle!: (o: Outcome) => void;
      const aborted = new Promise<Outcome>((resolve) => { settle = resolve; });
      const ran = runTask(task, { lock }).then((r): Outcome => ({ ok: true, ...r }), (err) => failureOf(err, task));
      return {
        done: Promise.race([ran, aborted]),
        lastBeat: () => Date.now(),
        abort: (kind, message) => settle({ ok: false, kind, error: message }),
      };
    },
    close: async () => {},
  };
}
