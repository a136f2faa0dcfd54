/**
 * Runs one task in the current thread: the code a pool worker, a queue worker's child and the
 * in-process executor share. Which evaluator runs is the task's to say (search/evaluate/registry.ts);
 * its spec is checked here again, since a queued task may come from another version of the code.
 *
 * Every import here is static: piscina loads a worker module through require(), which tsx
 * compiles, but its ESM hooks are not active in worker threads on Node 20, so a dynamic
 * import() of a .ts file fails there with "Unknown file extension".
 */
import * as tf from '@tensorflow/tfjs';
import { threadId } from 'node:worker_threads';
import { initBackend } from '../backend/index.ts';
import { evaluatorOf } from '../evaluate/registry.ts';
import type { EvalResult } from '../contracts/result.ts';
import type { EvalTask } from '../contracts/eval-task.ts';
import type { TensorCount } from '../contracts/outcome.ts';
import type { LatencyLock } from '../latency/lock.ts';
import { UsageError } from '../util/errors.ts';

export const workerName = (): string => `${process.pid}/thread-${threadId}`;

/** What the thread running a task offers it. */
export interface TaskContext {
  /** A sign of life, called on every training step (steps do not let timers run). */
  beat?: () => void;
  /** The latency lock shared by every worker of the executor. */
  lock?: LatencyLock;
}

export async function runTask(task: EvalTask, ctx: TaskContext = {}): Promise<{ result: EvalResult; tensors: TensorCount | null }> {
  const evaluator = evaluatorOf(task.evaluator.kind);
  const checked = evaluator.spec.safeParse(task.evaluator);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`evaluator '${task.evaluator.kind}': ${issue.path.join('.') || 'spec'}: ${issue.message}`);
  }
  const evalCtx = { lock: ctx.lock, worker: workerName(), onStep: ctx.beat, beat: ctx.beat };
  if (!evaluator.usesTf) return { result: await evaluator.evaluate(task.job, checked.data, evalCtx), tensors: null };
  // Once per thread: later calls return the backend already chosen.
  await initBackend({ backend: task.job.backend });
  await evaluator.prepare?.(task.job, checked.data);
  const before = tf.memory().numTensors;
  const result = await evaluator.evaluate(task.job, checked.data, evalCtx);
  return { result, tensors: { before, after: tf.memory().numTensors } };
}
