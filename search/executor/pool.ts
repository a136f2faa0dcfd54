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
import { LatencyLock } from '../latency/lock.ts';
import type { PoolWorkerData, WireTask } from './serve.ts';
import type { Executor, FailureKind, Outcome, RunningTask, Task } from './types.ts';

export interface PoolOptions {
  /** Worker threads; default one per core. */
  workers?: number;
  /** Worker module (a test may run its own); default ./worker.ts. */
  filename?: string;
  /** How often a busy worker shows a sign of life. */
  heartbeatMs?: number;
  /** Old-generation heap limit per worker, in MB; over it, the task fails as 'oom'. */
  maxMemoryMb?: number;
  /** Shared with every worker for the latency lock; a fresh buffer when absent. */
  latencyLock?: SharedArrayBuffer;
}

export const DEFAULT_HEARTBEAT_MS = 2000;

export const defaultWorkers = (): number => Math.max(1, os.availableParallelism());

function classify(err: Error & { code?: string }): FailureKind {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'oom';
  if (/worker exited|Terminating worker thread/i.test(err.message)) return 'crash';
  return 'error';
}

export function createPoolExecutor(o: PoolOptions = {}): Executor {
  const slots = o.workers ?? defaultWorkers();
  const heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const beatsBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * slots);
  const beats = new Int32Array(beatsBuffer);
  const workerData: PoolWorkerData = {
    beats: beatsBuffer, heartbeatMs, latencyLock: o.latencyLock ?? LatencyLock.createBuffer(),
  };
  const pool = new Piscina({
    filename: o.filename ?? new URL('./worker.ts', import.meta.url).href,
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
  const monitor = setInterval(() => {
    for (const [slot, w] of watched) {
      const v = Atomics.load(beats, slot);
      if (v !== w.seen) { w.seen = v; w.at = Date.now(); }
    }
  }, heartbeatMs);
  monitor.unref();

  return {
    slots,
    start(task: Task): RunningTask {
      const slot = free.pop();
      if (slot === undefined) throw new Error(`executor: all ${slots} workers are busy`);
      const beat = { seen: Atomics.load(beats, slot), at: Date.now() };
      watched.set(slot, beat);
      const controller = new AbortController();
      let stopped: { kind: FailureKind; message: string } | undefined;
      const release = () => { watched.delete(slot); free.push(slot); };
      const wire: WireTask = { task, slot };
      const done = (pool.run(wire, { signal: controller.signal }) as Promise<Outcome>).then(
        (outcome) => outcome,
        (err: Error): Outcome => (stopped
          ? { ok: false, kind: stopped.kind, error: stopped.message }
          : { ok: false, kind: classify(err), error: err.message, stack: err.stack }),
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
