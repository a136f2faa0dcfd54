/**
 * Worker side of test/latency-lock.test.ts. Roles:
 * - reader: take shared, check no writer inside, count itself in, hold briefly, out, release; until `stop`.
 * - writer: take exclusive `rounds` times, check no reader or writer inside while holding.
 * - hold-shared: take shared, signal, hold until `stop`, release.
 * - writer-once: take exclusive once, record it, release.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LatencyLock } from '../search/latency/lock.ts';

const { role, lockBuffer, counters, rounds = 1 } = workerData as { role: string; lockBuffer: SharedArrayBuffer; counters: SharedArrayBuffer; rounds?: number };
const lock = new LatencyLock(lockBuffer);
// [0] readers inside, [1] writers inside, [2] violations, [3] stop flag, [4] writer rounds done, [5] reader steps, [6] signal
const c = new Int32Array(counters);
const nap = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(nap, 0, 0, ms);

if (role === 'reader') {
  while (Atomics.load(c, 3) === 0) {
    lock.acquireShared();
    Atomics.add(c, 0, 1);
    if (Atomics.load(c, 1) !== 0) Atomics.add(c, 2, 1);
    sleep(1);
    if (Atomics.load(c, 1) !== 0) Atomics.add(c, 2, 1);
    Atomics.sub(c, 0, 1);
    Atomics.add(c, 5, 1);
    lock.releaseShared();
  }
} else if (role === 'writer') {
  for (let i = 0; i < rounds; i++) {
    lock.acquireExclusive();
    if (Atomics.add(c, 1, 1) !== 0 || Atomics.load(c, 0) !== 0) Atomics.add(c, 2, 1);
    sleep(2);
    if (Atomics.load(c, 0) !== 0) Atomics.add(c, 2, 1);
    Atomics.sub(c, 1, 1);
    Atomics.add(c, 4, 1);
    lock.releaseExclusive();
    sleep(1);
  }
} else if (role === 'hold-shared') {
  lock.acquireShared();
  Atomics.store(c, 6, 1);
  Atomics.notify(c, 6);
  while (Atomics.load(c, 3) === 0) Atomics.wait(c, 3, 0);
  lock.releaseShared();
} else if (role === 'writer-once') {
  lock.acquireExclusive();
  Atomics.add(c, 4, 1);
  lock.releaseExclusive();
}
parentPort?.postMessage('done');
