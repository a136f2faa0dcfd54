/** The latency lock across real worker threads: exclusion, writer preference, no starvation. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { LatencyLock } from '../search/latency/lock.ts';

const workerUrl = new URL('./latency-lock-worker.ts', import.meta.url);

function spawn(role: string, lockBuffer: SharedArrayBuffer, counters: SharedArrayBuffer, rounds?: number): { worker: Worker; done: Promise<void> } {
  // On Node 20 a worker does not load a .ts entry even with `--import tsx`: register tsx first.
  const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  const worker = new Worker(entry, { eval: true, workerData: { role, lockBuffer, counters, rounds } });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${role} worker exited with ${code}`))));
  });
  return { worker, done };
}

const counterBuffer = () => new SharedArrayBuffer(8 * 4);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LatencyLock', () => {
  test('in one thread: shared holders stack, exclusive needs them gone, misuse throws', () => {
    const lock = new LatencyLock();
    assert.ok(lock.tryAcquireShared());
    assert.ok(lock.tryAcquireShared());
    assert.deepEqual(lock.snapshot(), { state: 2, writersWaiting: 0 });
    lock.releaseShared();
    lock.releaseShared();
    lock.acquireExclusive();
    assert.equal(lock.tryAcquireShared(), false);
    assert.throws(() => lock.releaseShared(), /without a shared holder/);
    lock.releaseExclusive();
    assert.throws(() => lock.releaseExclusive(), /without the exclusive holder/);
    assert.throws(() => new LatencyLock(new SharedArrayBuffer(4)), /needs 8 bytes/);
  });

  test('readers in 3 workers and a writer in another never overlap, and the writer finishes while readers keep going', { timeout: 20_000 }, async () => {
    const lock = new LatencyLock();
    const counters = counterBuffer();
    const c = new Int32Array(counters);
    const readers = [0, 1, 2].map(() => spawn('reader', lock.buffer, counters));
    while (Atomics.load(c, 5) < 20) await pause(5); // readers are busy before the writer arrives
    const writer = spawn('writer', lock.buffer, counters, 20);
    // Readers never stop on their own: without writer preference three overlapping readers could
    // keep the state above zero indefinitely and this await would hang until the test timeout.
    await writer.done;
    Atomics.store(c, 3, 1);
    await Promise.all(readers.map((r) => r.done));
    assert.equal(Atomics.load(c, 4), 20, 'writer rounds');
    assert.equal(Atomics.load(c, 2), 0, 'overlaps seen');
    assert.ok(Atomics.load(c, 5) > 20, 'readers progressed');
    assert.deepEqual(lock.snapshot(), { state: 0, writersWaiting: 0 });
  });

  test('a waiting writer blocks new readers, and gets the lock when the holder releases', { timeout: 20_000 }, async () => {
    const lock = new LatencyLock();
    const counters = counterBuffer();
    const c = new Int32Array(counters);
    const holder = spawn('hold-shared', lock.buffer, counters);
    while (Atomics.load(c, 6) === 0) await pause(2);
    const writer = spawn('writer-once', lock.buffer, counters);
    while (lock.snapshot().writersWaiting === 0) await pause(2);
    assert.equal(lock.tryAcquireShared(), false, 'a new reader must queue behind the waiting writer');
    assert.equal(Atomics.load(c, 4), 0, 'writer still waiting while the reader holds');
    Atomics.store(c, 3, 1);
    Atomics.notify(c, 3);
    await Promise.all([holder.done, writer.done]);
    assert.equal(Atomics.load(c, 4), 1);
    assert.ok(lock.tryAcquireShared(), 'free again');
    lock.releaseShared();
  });
});
