/**
 * Who holds the latency lock, per pool slot, so that a worker that dies holding it (terminated
 * for a time limit or silence, out of memory, crashed) does not leave every other worker waiting
 * for a release that never comes. The worker records its holds in its slot's cells; once its
 * thread is gone, the pool gives back what it held.
 */
import { LatencyLock } from '../latency/lock.ts';

/** Int32 cells per slot: beat counter, thread id, shared holds, exclusive held, exclusive waiting. */
export const CELLS = 5;
export const BEAT = 0;
export const THREAD = 1;
const SHARED = 2;
const EXCLUSIVE = 3;
const WAITING = 4;

/** The lock as one worker slot uses it: the same lock, its holds counted in the slot's cells. */
export class TrackedLock extends LatencyLock {
  constructor(buffer: SharedArrayBuffer, private readonly holds: Int32Array, private readonly base: number) {
    super(buffer);
  }
  override acquireShared(): void {
    super.acquireShared();
    Atomics.add(this.holds, this.base + SHARED, 1);
  }
  override tryAcquireShared(): boolean {
    const got = super.tryAcquireShared();
    if (got) Atomics.add(this.holds, this.base + SHARED, 1);
    return got;
  }
  override releaseShared(): void {
    Atomics.sub(this.holds, this.base + SHARED, 1);
    super.releaseShared();
  }
  override acquireExclusive(): void {
    Atomics.store(this.holds, this.base + WAITING, 1);
    super.acquireExclusive();
    Atomics.store(this.holds, this.base + EXCLUSIVE, 1);
    Atomics.store(this.holds, this.base + WAITING, 0);
  }
  override releaseExclusive(): void {
    Atomics.store(this.holds, this.base + EXCLUSIVE, 0);
    super.releaseExclusive();
  }
}

/**
 * Gives back the holds of a slot whose thread has exited. The waiting-writer count is reached
 * through the lock's documented layout (search/latency/lock.ts: [0] state, [1] exclusive
 * waiters), since the lock has no call to withdraw a waiter that died.
 */
export function releaseDeadHolds(lockBuffer: SharedArrayBuffer, cells: Int32Array, slot: number): void {
  const base = slot * CELLS;
  const lock = new LatencyLock(lockBuffer);
  for (let n = Atomics.exchange(cells, base + SHARED, 0); n > 0; n--) lock.releaseShared();
  if (Atomics.exchange(cells, base + EXCLUSIVE, 0) === 1) lock.releaseExclusive();
  if (Atomics.exchange(cells, base + WAITING, 0) === 1) {
    const raw = new Int32Array(lockBuffer);
    Atomics.sub(raw, 1, 1);
    Atomics.notify(raw, 0);
  }
}
