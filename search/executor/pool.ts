/**
 * Runs tasks on a piscina pool of worker threads, one task per worker at a time. Each worker
 * initialises its own TensorFlow.js backend on its first training job and keeps it. Worker
 * threads inherit the parent's `--import tsx` through execArgv, so the worker module is
 * TypeScript like the rest.
 *
 * Liveness: every running task owns a slot in a shared Int32Array that its worker bumps on a
 * timer; the pool reads the slots on the same period and remembers when each last moved. A
 * worker that dies is reported by piscina at once (crash, out of memory); one that hangs stops
 * bumping, and the caller (which knows the run's patience) aborts it, which terminates the thread
 * and makes piscina start a fresh one.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { LatencyLock } from '../latency/lock.ts';
import { BEAT, CELLS, THREAD, releaseDeadHolds } from './lock-holds.ts';
import type { PoolWorkerData, WireTask } from './serve.ts';
import type { Executor, RunningTask } from './types.ts';
import type { FailureKind, Outcome } from '../contracts/outcome.ts';
import type { EvalTask } from '../contracts/eval-task.ts';

export interface PoolOptions {
  /** Worker threads; default one per core. */
  workers?: number;
  /** Worker module (a test may run its own); default ./worker.ts. */
  filename?: string;
  /** How often a busy worker shows a sign of life. */
  heartbeatMs?: number;
  /** Per worker, in MB, both its JS heap and its tensors' memory; over either, the task fails as 'oom'. */
  maxMemoryMb?: number;
  /** The tensors' limit alone, when it differs from maxMemoryMb. */
  maxTensorMb?: number;
  /** Shared with every worker for the latency lock; a fresh buffer when absent. */
  latencyLock?: SharedArrayBuffer;
}

export const DEFAULT_HEARTBEAT_MS = 2000;
const EXIT_GRACE_MS = 300;

export const defaultWorkers = (): number => Math.max(1, os.availableParallelism());

function classify(err: Error & { code?: string }): FailureKind {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'oom';
  if (/worker exited|Terminating worker thread/i.test(err.message)) return 'crash';
  return 'error';
}

export function createPoolExecutor(o: PoolOptions = {}): Executor {
  const slots = o.workers ?? defaultWorkers();
  const heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const cellsBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * CELLS * slots);
  const cells = new Int32Array(cellsBuffer);
  const latencyLock = o.latencyLock ?? LatencyLock.createBuffer();
  const workerData: PoolWorkerData = { cells: cellsBuffer, heartbeatMs, latencyLock, maxTensorMb: o.maxTensorMb ?? o.maxMemoryMb ?? null };
  const pool = new Piscina({
    filename: o.filename ?? new URL('./worker-entry.mjs', import.meta.url).href,
    minThreads: slots,
    maxThreads: slots,
    concurrentTasksPerWorker: 1,
    idleTimeout: Infinity,
    workerData,
    resourceLimits: o.maxMemoryMb ? { maxOldGenerationSizeMb: o.maxMemoryMb } : undefined,
  });
  // A worker that dies between tasks: piscina replaces it; nothing was lost.
  pool.on('error', () => {});

  const free = Array.from({ length: slots }, (_, i) => i);
  const watched = new Map<number, { seen: number; at: number }>();
  /** The thread running each slot's task, found by the id it wrote, kept so its exit can be awaited. */
  const threadOf = new Map<number, Worker>();
  const findThread = (slot: number): Worker | undefined => {
    const tid = Atomics.load(cells, slot * CELLS + THREAD);
    const t = threadOf.get(slot) ?? (tid === 0 ? undefined : pool.threads.find((w) => w.threadId === tid));
    if (t) threadOf.set(slot, t);
    return t;
  };
  const monitor = setInterval(() => {
    for (const [slot, w] of watched) {
      const v = Atomics.load(cells, slot * CELLS + BEAT);
      if (v !== w.seen) { w.seen = v; w.at = Date.now(); }
      findThread(slot);
    }
  }, heartbeatMs);
  monitor.unref();

  return {
    slots,
    start(task: EvalTask): RunningTask {
      const slot = free.pop();
      if (slot === undefined) throw new Error(`executor: all ${slots} workers are busy`);
      const beat = { seen: Atomics.load(cells, slot * CELLS + BEAT), at: Date.now() };
      Atomics.store(cells, slot * CELLS + THREAD, 0);
      watched.set(slot, beat);
      const controller = new AbortController();
      let stopped: { kind: FailureKind; message: string } | undefined;
      const release = () => { watched.delete(slot); threadOf.delete(slot); free.push(slot); };
      // The worker is gone or going: once its thread has exited, give back the lock it held.
      const bury = async () => {
        const thread = findThread(slot);
        // threadId turns -1 when the thread stops; an unseen thread gets a moment to finish terminating.
        if (!thread) await sleep(EXIT_GRACE_MS);
        else if (thread.threadId !== -1) await Promise.race([once(thread, 'exit'), sleep(5 * EXIT_GRACE_MS)]);
        releaseDeadHolds(latencyLock, cells, slot);
      };
      const wire: WireTask = { task, slot };
      const done = (pool.run(wire, { signal: controller.signal }) as Promise<Outcome>).then(
        async (outcome) => {
          // Out of memory leaves a wasm backend aborted for good: the thread goes, piscina starts a
          // fresh one, and the slot is free again only then so that no task lands on the old one.
          if (!outcome.ok && outcome.kind === 'oom') {
            await findThread(slot)?.terminate();
            await bury();
          }
          return outcome;
        },
        async (err: Error): Promise<Outcome> => {
          await bury();
          return stopped
            ? { ok: false, kind: stopped.kind, error: stopped.message }
            : { ok: false, kind: classify(err), error: err.message, stack: err.stack };
        },
      ).finally(release);
      return {
        done,
        lastBeat: () => beat.at,
        abort(kind, message) {
          if (stopped) return;
          stopped = { kind, message };
          controller.abort();
        },
      };
    },
    async close() {
      clearInterval(monitor);
      await pool.destroy();
    },
  };
}
