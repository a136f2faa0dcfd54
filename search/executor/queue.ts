/**
 * Runs tasks on a BullMQ queue in Redis, for workers on any number of machines
 * (`cellscape worker`, queue-worker.ts). The search stays the only writer of its store: workers
 * hand results back through the queue and this executor turns them into outcomes.
 *
 * A job's id is fixed by the run and the candidate's key, so enqueueing is idempotent: a search
 * that restarts (`cellscape resume`) reattaches to jobs still waiting or running, takes the
 * results of those finished while it was away, and adds only what Redis does not have. Each
 * started task resolves once, whatever number of completion notices arrive for its job.
 *
 * Liveness is the queue's: a worker holds a lease on each job it runs and renews it while the job
 * runs; the search runs BullMQ's stalled-job check, which puts a job whose lease lapsed (its
 * worker killed, its machine gone) back on the wait list for any other worker, up to
 * maxAttempts runs in all; the next worker to take it after that fails it with BullMQ's "job
 * stalled more than allowable limit", which ends the candidate as an error (the queue already
 * spent the run's attempts). A child process that dies under a live worker is a 'crash', which
 * the search retries by putting the same job back on the queue.
 *
 * Results are read back both from the queue's event stream (prompt) and by polling the state of
 * every job still awaited (slow), so an event lost while Redis restarted delays a result rather
 * than losing it; a job Redis no longer has (a restart without persistence) is added again.
 */
import { createHash } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { UsageError } from '../util/errors.ts';
import { connect, DEFAULT_QUEUE, type RedisTarget } from './queue-redis.ts';
import type { LatencySpec } from '../contracts/latency-spec.ts';
import type { Executor, RunningTask } from './types.ts';
import type { EvalTask } from '../contracts/eval-task.ts';
import type { FailureKind, Outcome } from '../contracts/outcome.ts';

export interface QueueExecutorOptions {
  redis: RedisTarget;
  queue?: string;
  /** Unique to the run across every store that may share the Redis server (see runNamespace). */
  namespace: string;
  /** Jobs out on the queue at once; the run's in-flight window is the natural choice. */
  slots: number;
  /**
   * Runs of a job whose workers keep vanishing before it fails (the run's maxAttempts). BullMQ
   * checks stalls per queue, so searches sharing a queue apply whichever limit checks first:
   * give them the same --max-attempts, or their own --queue.
   */
  maxAttempts: number;
  /** How often the search looks for jobs whose lease lapsed. */
  stalledCheckMs?: number;
  /** How often awaited jobs' states are read back, in case an event was missed. */
  pollMs?: number;
  /** How long to wait for Redis when starting before giving up. */
  connectTimeoutMs?: number;
  onError?: (err: Error) => void;
  /** Told when a job goes back on the queue because its worker vanished. */
  log?: (line: string) => void;
}

export const DEFAULT_STALLED_CHECK_MS = 15_000;
export const DEFAULT_POLL_MS = 5_000;
/** Finished jobs stay this long, for a search that resumes after a pause. */
const KEEP_FINISHED_S = 7 * 24 * 3600;

/** A namespace for a run's jobs: its id alone would collide between two stores on one Redis. */
export const runNamespace = (run: { id: number; createdAt: number }): string => `run${run.id}-${run.createdAt}`;

/** BullMQ forbids ':' in ids and keys can be long; a digest of the key is neither. */
export const jobIdOf = (namespace: string, key: string): string =>
  `${namespace}.${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/**
 * Latency is never measured on queue workers: they are different machines, and their figures
 * would not compare. A lookup table gives the same answer everywhere and is kept; a measurement
 * is dropped, and the candidates have no latency.
 */
export const queueLatency = (spec: LatencySpec): LatencySpec =>
  spec.runtime === 'tfjs' || spec.runtime === 'onnxruntime' ? { ...spec, runtime: 'none' } : spec;

/**
 * BullMQ's own failures are the queue's; job errors come back as outcomes. A job out of stalls
 * has had its attempts and fails for good; anything else is a worker's child process that died.
 */
function failure(reason: string, runs: number): Outcome {
  return /stalled more than allowable limit/.test(reason)
    ? { ok: false, kind: 'error', error: `its workers stopped renewing its lease ${Math.max(1, runs - 1)} times (${reason})` }
    : { ok: false, kind: 'crash', error: `queue worker: ${reason}` };
}

/** A result read back from Redis; anything else (a worker of another version) is the job's error. */
function outcomeOf(id: string, value: unknown): Outcome {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean'
    ? value as Outcome
    : { ok: false, kind: 'error', error: `queue: job ${id} completed without a result (${JSON.stringify(value) ?? 'undefined'})` };
}

interface Awaited {
  resolve(o: Outcome): void;
  task: EvalTask;
  /** Set once the job is known to be on the queue, so that polling does not race the enqueue. */
  attached: boolean;
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new UsageError(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export async function createQueueExecutor(o: QueueExecutorOptions): Promise<Executor> {
  const name = o.queue ?? DEFAULT_QUEUE;
  const onError = o.onError ?? (() => {});
  const log = o.log ?? (() => {});
  if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) throw new Error(`queue executor: maxAttempts ${o.maxAttempts} must be a positive integer`);
  const clients: Redis[] = [];
  const client = () => { const c = connect(o.redis, onError); clients.push(c); return c; };
  const queue = new Queue<EvalTask, Outcome>(name, {
    connection: client(),
    defaultJobOptions: { attempts: 1, removeOnComplete: { age: KEEP_FINISHED_S }, removeOnFail: { age: KEEP_FINISHED_S } },
  });
  const events = new QueueEvents(name, { connection: client() });
  // A worker that never takes jobs: it only runs the stalled-job check for this queue.
  const stallChecker = new Worker(name, null, {
    connection: client(), autorun: false, maxStalledCount: o.maxAttempts - 1, stalledInterval: o.stalledCheckMs ?? DEFAULT_STALLED_CHECK_MS,
  });
  queue.on('error', onError);
  events.on('error', onError);
  stallChecker.on('error', onError);
  const closeAll = async () => {
    await Promise.allSettled([stallChecker.close(), events.close(), queue.close()]);
    for (const c of clients) c.disconnect();
  };
  try {
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady(), stallChecker.waitUntilReady()]),
      o.connectTimeoutMs ?? 10_000, `--redis: cannot reach Redis at ${o.redis.where}`);
  } catch (err) {
    await closeAll();
    throw err;
  }
  await stallChecker.startStalledCheckTimer();

  const awaited = new Map<string, Awaited>();
  /** Resolves the task of a job once; later notices for it are ignored. */
  const settle = (id: string, outcome: Outcome): boolean => {
    const a = awaited.get(id);
    if (!a) return false;
    awaited.delete(id);
    a.resolve(outcome);
    return true;
  };

  events.on('completed', ({ jobId, returnvalue }) => { settle(jobId, outcomeOf(jobId, returnvalue)); });
  // The event lacks the run count the message gives; the job has it.
  events.on('failed', ({ jobId }) => {
    if (awaited.has(jobId)) queue.getJob(jobId).then((job) => job && fromFinished(jobId, job, 'failed'), onError);
  });
  events.on('stalled', ({ jobId }) => {
    const a = awaited.get(jobId);
    if (a) log(`candidate ${a.task.job.candidateId}: its worker stopped renewing the job's lease; the job is back on the queue`);
  });

  /** Settles from a finished job; true when it was finished. */
  const fromFinished = (id: string, job: Job<EvalTask, Outcome>, state: string): boolean => {
    if (state === 'completed') return settle(id, outcomeOf(id, job.returnvalue)), true;
    if (state === 'failed') return settle(id, failure(job.failedReason, job.attemptsStarted)), true;
    return false;
  };

  /**
   * A job's state, then the job: read the other way round, a job that finishes between the two
   * reads is taken for finished with the data from before, which has no result yet.
   */
  const read = async (id: string): Promise<{ state: string; job?: Job<EvalTask, Outcome> }> => {
    const state = await queue.getJobState(id);
    return state === 'unknown' ? { state } : { state, job: await queue.getJob(id) };
  };

  const attach = async (id: string, a: Awaited) => {
    const { state, job } = await read(id);
    if (!job) {
      await queue.add('evaluate', a.task, { jobId: id });
    } else if (state === 'failed') {
      // A failed job here was counted as an attempt by the search (it stays 'running' in the
      // store until its outcome is known): run it again.
      await job.retry('failed');
    } else if (fromFinished(id, job, state)) {
      return;
    }
    a.attached = true;
  };

  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      for (const [id, a] of awaited) {
        if (!a.attached) continue;
        const { state, job } = await read(id);
        if (!job) await queue.add('evaluate', a.task, { jobId: id });
        else fromFinished(id, job, state);
      }
    } catch (err) {
      onError(err as Error);
    } finally {
      polling = false;
    }
  }, o.pollMs ?? DEFAULT_POLL_MS);
  poll.unref();

  return {
    slots: o.slots,
    start(task: EvalTask): RunningTask {
      const id = jobIdOf(o.namespace, task.job.key);
      if (awaited.has(id)) throw new Error(`executor: job ${id} (candidate ${task.job.candidateId}) is already running`);
      const queued: EvalTask = { ...task, job: { ...task.job, latency: queueLatency(task.job.latency) } };
      let resolve!: (o: Outcome) => void;
      const done = new Promise<Outcome>((r) => { resolve = r; });
      const a: Awaited = { resolve, task: queued, attached: false };
      awaited.set(id, a);
      attach(id, a).catch((err: Error) => settle(id, { ok: false, kind: 'crash', error: `queue: ${err.message}`, stack: err.stack }));
      return {
        done,
        // The lease is the sign of life here: a silent worker's job comes back as 'stale' from the queue.
        lastBeat: () => Date.now(),
        abort(kind, message) {
          if (!settle(id, { ok: false, kind, error: message })) return;
          // A stopped search leaves its jobs for the resume; a job given up on is taken off the
          // wait list (one already running cannot be called back, and its result is ignored).
          if (kind !== 'aborted') queue.remove(id).catch(onError);
        },
      };
    },
    async close() {
      clearInterval(poll);
      for (const id of awaited.keys()) settle(id, { ok: false, kind: 'aborted', error: 'the executor closed' });
      await closeAll();
    },
  };
}
