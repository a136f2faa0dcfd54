/**
 * The worker side of the queue: takes evaluation jobs from Redis and runs each in a sandboxed
 * child process (queue-processor.ts), `concurrency` at a time, on any machine that reaches the
 * Redis server. It holds a lease (BullMQ's job lock) on each job it runs and renews it while the
 * child works; a worker that dies stops renewing, and the search notices when the lease lapses.
 *
 * Stalled jobs are looked for by the search, not by workers (skipStalledCheck): the search owns
 * the retry count, so a worker started with other settings cannot change it.
 */
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { connect, DEFAULT_QUEUE, type RedisTarget } from './queue-redis.ts';
import { WORKER_NAME_ENV } from './queue-processor.ts';
import { PARENT_PID_ENV } from './parent-watch.ts';
import type { Outcome } from '../contracts/outcome.ts';
import type { EvalTask } from '../contracts/eval-task.ts';

export interface QueueWorkerOptions {
  redis: RedisTarget;
  queue?: string;
  /** Jobs run at once, each in its own child process. */
  concurrency?: number;
  /** How long a job stays claimed without a renewal; a dead worker's jobs return after it. */
  leaseMs?: number;
  /** Names this worker in results (default: the host name). */
  name?: string;
  onError?: (err: Error) => void;
  /** Each job this worker finished, failed or not. */
  onJob?: (id: string, outcome: Outcome) => void;
}

export const DEFAULT_LEASE_MS = 30_000;

export interface QueueWorker {
  readonly name: string;
  /** Whether Redis answers: a graceful close waits on it. */
  connected(): boolean;
  /**
   * Stops taking jobs. Graceful: waits for running jobs to finish and report. Forced: leaves them
   * (their lease lapses and the search hands them out again) and does not wait on Redis.
   */
  close(o?: { force?: boolean }): Promise<void>;
}

/** A forced close waits this long for BullMQ's own before dropping the connection under it. */
const FORCED_CLOSE_MS = 1000;

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const name = o.name ?? hostname();
  const onError = o.onError ?? (() => {});
  const connection = connect(o.redis, onError);
  const worker = new Worker<EvalTask, Outcome>(o.queue ?? DEFAULT_QUEUE, new URL('./queue-processor.ts', import.meta.url), {
    connection,
    concurrency: o.concurrency ?? 1,
    lockDuration: o.leaseMs ?? DEFAULT_LEASE_MS,
    skipStalledCheck: true,
    // Children inherit `--import tsx` through execArgv (BullMQ forks with the parent's).
    workerForkOptions: { env: { ...process.env, [WORKER_NAME_ENV]: name, [PARENT_PID_ENV]: String(process.pid) } },
    name,
  });
  worker.on('error', onError);
  if (o.onJob) worker.on('completed', (job, outcome) => o.onJob!(job.id!, outcome));
  await worker.waitUntilReady();
  return {
    name,
    connected: () => connection.status === 'ready',
    async close(c = {}) {
      const closing = worker.close(c.force);
      if (c.force) await Promise.race([closing, new Promise((r) => setTimeout(r, FORCED_CLOSE_MS).unref())]);
      else await closing;
      connection.disconnect();
    },
  };
}
