/**
 * A cross-thread reader-writer lock on a SharedArrayBuffer, so that latency measurements never
 * overlap each other or training in other workers. Training steps hold it shared (one step at a
 * time, so a measurement waits at most one step per worker); a measurement holds it exclusive.
 * Writer-preferring: once a measurement waits, new shared holders wait behind it, so steady
 * training cannot starve measurements.
 *
 * Layout (Int32): [0] state: n > 0 shared holders, 0 free, -1 held exclusive;
 *                 [1] exclusive waiters. Every change of the state is followed by a notify.
 * Atomics.wait blocks the calling thread: fine in workers and in Node's main thread, and a
 * thread must never ask for exclusive while it holds shared (it would wait for itself).
 */
const STATE = 0;
const WRITERS_WAITING = 1;
const SLOTS = 2;

export class LatencyLock {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  /** Pass the executor's buffer in every worker; without one the lock is private to this thread. */
  constructor(buffer: SharedArrayBuffer = LatencyLock.createBuffer()) {
    if (buffer.byteLength < SLOTS * 4) throw new Error(`latency lock buffer needs ${SLOTS * 4} bytes, got ${buffer.byteLength}`);
    this.buffer = buffer;
    this.cells = new Int32Array(buffer, 0, SLOTS);
  }

  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(SLOTS * 4);
  }

  /** Takes the shared side unless it is held exclusive or a measurement waits for it. */
  tryAcquireShared(): boolean {
    const s = Atomics.load(this.cells, STATE);
    if (s < 0 || Atomics.load(this.cells, WRITERS_WAITING) > 0) return false;
    return Atomics.compareExchange(this.cells, STATE, s, s + 1) === s;
  }

  acquireShared(): void {
    for (;;) {
      const s = Atomics.load(this.cells, STATE);
      if (s >= 0 && Atomics.load(this.cells, WRITERS_WAITING) === 0) {
        if (Atomics.compareExchange(this.cells, STATE, s, s + 1) === s) return;
        continue;
      }
      // Wakes on the next state change (a release or an exclusive acquisition), then re-checks.
      Atomics.wait(this.cells, STATE, s);
    }
  }

  releaseShared(): void {
    for (;;) {
      const s = Atomics.load(this.cells, STATE);
      if (s <= 0) throw new Error(`latency lock: shared release without a shared holder (state ${s})`);
      if (Atomics.compareExchange(this.cells, STATE, s, s - 1) === s) break;
    }
    Atomics.notify(this.cells, STATE);
  }

  acquireExclusive(): void {
    Atomics.add(this.cells, WRITERS_WAITING, 1);
    for (;;) {
      const s = Atomics.load(this.cells, STATE);
      if (s === 0 && Atomics.compareExchange(this.cells, STATE, 0, -1) === 0) break;
      Atomics.wait(this.cells, STATE, s);
    }
    Atomics.sub(this.cells, WRITERS_WAITING, 1);
  }

  releaseExclusive(): void {
    if (Atomics.compareExchange(this.cells, STATE, -1, 0) !== -1) throw new Error('latency lock: exclusive release without the exclusive holder');
    Atomics.notify(this.cells, STATE);
  }

  /** For the training loop's beforeStep hook: takes the shared side and returns its release. */
  shared(): () => void {
    this.acquireShared();
    return () => this.releaseShared();
  }

  /** Runs f holding the lock exclusive. */
  async exclusive<T>(f: () => Promise<T> | T): Promise<T> {
    this.acquireExclusive();
    try {
      return await f();
    } finally {
      this.releaseExclusive();
    }
  }

  /** Current holders, for tests and diagnostics: shared count, -1 exclusive, and waiting measurements. */
  snapshot(): { state: number; writersWaiting: number } {
    return { state: Atomics.load(this.cells, STATE), writersWaiting: Atomics.load(this.cells, WRITERS_WAITING) };
  }
}
