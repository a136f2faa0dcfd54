/**
 * BullMQ's sandboxed processor for evaluation jobs: runs in a child process that the queue
 * worker forks (and keeps for later jobs), so that training never blocks the worker's event loop
 * and its lock renewals keep coming; a job that went on regardless would be taken for stalled
 * and handed to another worker.
 *
 * A job that throws comes back as a completed job whose value is a failure Outcome, like the
 * pool's: BullMQ's own failed state is kept for what only the queue sees (a worker lost, a child
 * process that died), which the search retries.
 */
import { hostname } from 'node:os';
import type { SandboxedJob } from 'bullmq';
import { failureOf } from './serve.ts';
import { runTask } from './run-task.ts';
import { exitWithParent, PARENT_PID_ENV } from './parent-watch.ts';
import type { Outcome } from '../contracts/outcome.ts';
import type { EvalTask } from '../contracts/eval-task.ts';

/** Set by the queue worker for its children: the machine and worker the results name. */
export const WORKER_NAME_ENV = 'CELLSCAPE_WORKER_NAME';

const workerName = `${process.env[WORKER_NAME_ENV] || hostname()}/pid-${process.pid}`;

// The worker that forked this process is gone (killed, crashed): no result could be delivered,
// and the queue hands the job to another worker once the lease lapses. 'disconnect' ends an idle
// child; the watcher thread one that is busy training.
process.on('disconnect', () => process.exit(1));
// Only in the children the queue worker forks (this module is also imported by the worker itself).
if (process.env[PARENT_PID_ENV]) exitWithParent(Number(process.env[PARENT_PID_ENV]));

export default async function process_(job: SandboxedJob<EvalTask, Outcome>): Promise<Outcome> {
  try {
    const { result, tensors } = await runTask(job.data);
    return { ok: true, result: { ...result, worker: workerName }, tensors };
  } catch (err) {
    return failureOf(err, job.data);
  }
}
