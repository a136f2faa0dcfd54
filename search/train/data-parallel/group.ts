/**
 * Data-parallel training on worker threads, for the backends that compute on one thread (wasm):
 * every worker holds a replica of the model (replica.ts), built from the same arguments; a step
 * sends each worker its shard of the batch, the workers average their gradients through shared
 * memory (worker.ts) and each applies the same average, so that the replicas stay equal bit for
 * bit. `checkIdentical` compares their fingerprints and throws if any differs. Equal weights do
 * not show that the workers trained the same thing where a step draws at random (GDAS's ops, a
 * sampled cell): every worker applies the same average whatever path it drew. So every step's
 * reply also says what each phase's pass drew on that worker (Replica.drawn), and the step throws
 * on the first phase whose draw differs between workers.
 *
 * BatchNorm sees each shard's own statistics (as PyTorch's DistributedDataParallel without
 * SyncBatchNorm): with batch norm in the model, N workers on a batch of B train like one worker
 * whose normalisation uses B/N images; without it, like one worker on the whole batch.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CLOSING, CONTROL_CELLS, type FromWorker, type InitReply, type StepReply, type ToWorker, type Work } from './protocol.ts';
import type { ShardMetrics } from './replica.ts';

type Body<T = ToWorker> = T extends unknown ? Omit<T, 'id'> : never;

export interface DataParallelOptions<Args = unknown> {
  workers: number;
  /** The module that exports createReplica (a file URL). */
  replica: string | URL;
  /** Plain data every worker's createReplica receives (structured-cloned). */
  args: unknown;
  /** The phases steps will name; the shared slots are sized for the largest. */
  phases: string[];
  /** The backend each worker initialises (default: as initBackend chooses). */
  backend?: string;
  /** How an error names a step, from its arguments (default: its number among the group's steps, from 0). */
  stepName?: (args: Args) => string;
}

export interface DataParallelGroup<Shard = unknown, Args = unknown> {
  readonly workers: number;
  /**
   * One synchronous step: shard i goes to worker i, `sizes[i]` its examples; resolves to each
   * worker's metrics, and rejects if the workers drew differently (as `run` does).
   */
  step(phase: string, shards: Shard[], sizes: number[], args: Args): Promise<ShardMetrics[]>;
  /**
   * The general step: worker i computes the gradients of `work[i].phase` on `work[i].shard` (null:
   * nothing), then every worker applies each of `phases`, in order, as the average of the
   * gradients of the workers that computed it (weighted by `weight`), and takes the average of the
   * workers' buffers weighted by `bufferWeight`. `step` is this with one phase on every worker;
   * DARTS's simultaneous update puts its architecture half and its weight half on two workers.
   * Resolves to each worker's metrics (null for a worker that computed nothing); rejects, naming
   * the step, the phase and the worker, where a worker's pass of a phase, computed or skipped,
   * drew otherwise than worker 0's.
   */
  run(phases: string[], work: Array<Work & { shard: Shard | null }>, args: Args): Promise<Array<ShardMetrics | null>>;
  /** Calls the replicas' `call(method, args)`: on every worker, in worker order. */
  callAll(method: string, args?: unknown): Promise<unknown[]>;
  /** The same on one worker (0: the one whose state a checkpoint takes). */
  callOne(worker: number, method: string, args?: unknown): Promise<unknown>;
  /** Throws unless every worker holds the same variables of these phases and the same buffers, bit for bit. */
  checkIdentical(phases: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Workers by default: one per core. */
export const defaultDataParallelWorkers = (): number => Math.max(1, os.availableParallelism());

/** Throws on the first phase (in the step's order) where a worker's draw differs from worker 0's. */
function checkDraws(step: string, phases: string[], replies: StepReply[]): void {
  const said = (d: string | null): string => d ?? 'nothing';
  phases.forEach((phase, p) => {
    const first = replies[0].drawn[p];
    const odd = replies.findIndex((r) => r.drawn[p] !== first);
    if (odd >= 0) {
      throw new Error(
        `data-parallel ${step}, phase '${phase}': worker ${odd} drew ${said(replies[odd].drawn[p])} where worker 0 drew ${said(first)} `
        + '(the workers apply the same averaged gradients, so their weights stay equal while they train different paths)',
      );
    }
  });
}

export async function createDataParallel<Shard = unknown, Args = unknown>(o: DataParallelOptions<Args>): Promise<DataParallelGroup<Shard, Args>> {
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`data-parallel: ${o.workers} workers`);
  const threads = Array.from({ length: o.workers }, () => new Worker(new URL('./worker-entry.mjs', import.meta.url)));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let broken: Error | null = null;
  let closed = false;
  const fail = (err: Error): void => {
    broken ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  threads.forEach((t, i) => {
    t.on('message', (m: FromWorker) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(Object.assign(new Error(`data-parallel worker ${i}: ${m.error}`), { stack: m.stack }));
    });
    t.on('error', (err) => fail(new Error(`data-parallel worker ${i} failed: ${err.message}`)));
    t.on('exit', (code) => { if (!closed) fail(new Error(`data-parallel worker ${i} exited (code ${code})`)); });
  });

  const send = (worker: number, body: Body): Promise<unknown> => {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      threads[worker].postMessage({ ...body, id } as ToWorker);
    });
  };
  const all = (body: (i: number) => Body): Promise<unknown[]> => Promise.all(threads.map((_, i) => send(i, body(i))));

  const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * CONTROL_CELLS);
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    Atomics.store(new Int32Array(control), CLOSING, 1);
    await Promise.all(threads.map((t) => t.terminate()));
  };

  try {
    const inits = await all(() => ({ type: 'init', replica: String(o.replica), args: o.args, phases: o.phases, backend: o.backend })) as InitReply[];
    const slotFloats = Math.max(...inits.map((r) => r.slotFloats));
    const slots = new SharedArrayBuffer(Float32Array.BYTES_PER_ELEMENT * slotFloats * o.workers);
    await all((index) => ({ type: 'attach', slots, control, index, workers: o.workers, slotFloats }));
  } catch (err) {
    await close();
    throw err;
  }

  let steps = 0;
  const run = async (phases: string[], work: Array<Work & { shard: unknown }>, args: Args): Promise<Array<ShardMetrics | null>> => {
    if (work.length !== o.workers) throw new Error(`data-parallel step: work for ${work.length} workers, the group has ${o.workers}`);
    const stray = work.find((w) => w.phase !== null && !phases.includes(w.phase));
    if (stray) throw new Error(`data-parallel step: a worker computes phase '${stray.phase}', not one of the step's (${phases.join(', ')})`);
    const idle = phases.find((p) => !work.some((w) => w.phase === p && w.weight > 0));
    if (idle) throw new Error(`data-parallel step: no worker computes phase '${idle}'`);
    if (!work.some((w) => w.bufferWeight > 0)) throw new Error('data-parallel step: no worker\'s buffers are kept');
    const plan: Work[] = work.map(({ phase, weight, bufferWeight }) => ({ phase, weight, bufferWeight }));
    const replies = await all((i) => ({ type: 'step', phases, shard: work[i].shard, args, work: plan })) as StepReply[];
    checkDraws(o.stepName?.(args) ?? `step ${steps}`, phases, replies);
    steps++;
    return replies.map((r) => r.metrics);
  };

  return {
    workers: o.workers,
    async step(phase, shards, sizes, args) {
      if (shards.length !== o.workers || sizes.length !== o.workers) throw new Error(`data-parallel step: ${shards.length} shards for ${o.workers} workers`);
      const total = sizes.reduce((a, b) => a + b, 0);
      return await run([phase], shards.map((shard, i) => ({ phase, shard, weight: sizes[i] / total, bufferWeight: sizes[i] / total })), args) as ShardMetrics[];
    },
    run: run as DataParallelGroup<Shard, Args>['run'],
    callAll: (method, args) => all(() => ({ type: 'call', method, args })),
    callOne: (worker, method, args) => send(worker, { type: 'call', method, args }),
    async checkIdentical(phases) {
      const digests = await all(() => ({ type: 'digest', phases })) as string[];
      const odd = digests.findIndex((d) => d !== digests[0]);
      if (odd >= 0) throw new Error(`data-parallel: worker ${odd}'s weights differ from worker 0's (digest ${digests[odd]} vs ${digests[0]})`);
    },
    close,
  };
}
