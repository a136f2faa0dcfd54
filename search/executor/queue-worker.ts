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
  close(): Promise<void>;
}

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
    workerForkOptions: { env: { ...process.env, [WORKER_NAME_ENV]: name } },
    name,
  });
  worker.on('error', onError);
  if (o.onJob) worker.on('completed', (job, outcome) => o.onJob!(job.id!, outcome));
  await worker.waitUntilReady();
  return {
    name,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
