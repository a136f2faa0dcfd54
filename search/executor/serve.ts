/**
 * The worker side of the pool: wraps the task runner so that the worker shows signs of life
 * while it runs a task (a counter in a SharedArrayBuffer slot, bumped on a timer, which only
 * fires while the thread's event loop turns, and on every training step, which does not let it turn) and so that an error crosses back as data with its
 * kind, not as an exception whose class the structured clone would lose.
 */
import { workerData } from 'node:worker_threads';
import { OutOfMemoryError, UsageError } from '../util/errors.ts';
import { tensorMemoryGuard } from '../backend/memory.ts';
import type { EvalResult } from '../contracts/result.ts';
import type { Outcome, TensorCount } from '../contracts/outcome.ts';
import type { EvalTask } from '../contracts/eval-task.ts';
import type { TaskContext } from './run-task.ts';
import { threadId } from 'node:worker_threads';
import { BEAT, CELLS, THREAD, TrackedLock } from './lock-holds.ts';

/** What the pool posts to a worker: the task and the heartbeat slot it owns while running it. */
export interface WireTask {
  task: EvalTask;
  slot: number;
}

/** workerData of every pool worker. */
export interface PoolWorkerData {
  /** CELLS Int32 cells per slot (see lock-holds.ts). */
  cells: SharedArrayBuffer;
  heartbeatMs: number;
  /** The latency measurement lock shared by all workers of the pool (search/latency/lock.ts). */
  latencyLock: SharedArrayBuffer;
  /** --max-memory: the tensors of a task may take this many MB; null: no limit but the heap's own. */
  maxTensorMb: number | null;
}

/**
 * An exhausted heap as the tensor backends report it: Emscripten's abort of the wasm backend (its
 * heap cannot grow further; the module is unusable afterwards), a failed typed-array allocation.
 */
const OUT_OF_MEMORY = /^Aborted\(|Cannot enlarge memory|Out of memory|Array buffer allocation failed|could not allocate memory/i;

/** A task's error as an outcome; running out of memory is 'oom', with the batch size to lower. */
export function failureOf(err: unknown, task?: EvalTask): Outcome {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e instanceof OutOfMemoryError || OUT_OF_MEMORY.test(e.message)) {
    const batch = task?.job.budget.batchSize;
    return { ok: false, kind: 'oom', error: `out of memory (${e.message.split('\n')[0]})${batch ? `; lower --batch-size (now ${batch})` : ''}`, stack: e.stack };
  }
  return { ok: false, kind: e instanceof UsageError ? 'usage' : 'error', error: e.message, stack: e.stack };
}

export function serveTasks(run: (task: EvalTask, ctx: TaskContext) => Promise<{ result: EvalResult; tensors: TensorCount | null }>) {
  const data = workerData as PoolWorkerData;
  const cells = new Int32Array(data.cells);
  const guard = data.maxTensorMb === null ? () => {} : tensorMemoryGuard(data.maxTensorMb);
  return async ({ task, slot }: WireTask): Promise<Outcome> => {
    const base = slot * CELLS;
    Atomics.store(cells, base + THREAD, threadId);
    const lock = new TrackedLock(data.latencyLock, cells, base);
    const beat = () => { Atomics.add(cells, base + BEAT, 1); };
    beat();
    const timer = setInterval(beat, data.heartbeatMs);
    try {
      // Steps also check the tensors' memory; the timer only beats (a throw there would be uncaught).
      const { result, tensors } = await run(task, { beat: () => { beat(); guard(); }, lock });
      return { ok: true, result, tensors };
    } catch (err) {
      return failureOf(err, task);
    } finally {
      clearInterval(timer);
    }
  };
}
