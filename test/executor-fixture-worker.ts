/**
 * A pool worker for the executor tests that misbehaves on request: the job's key says how
 * (ok, sleep:MS, throw, exit, hang, oom, wasm-abort, once-hang:FILE, and with the latency lock:
 * hold-exit, hold-hang, wait-exit (waits for exclusive behind a holder, then dies), exclusive). It uses the real serveTasks wrapper, so the
 * heartbeat and error transport under test are the production ones.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveTasks } from '../search/executor/serve.ts';
import type { EvalResult } from '../search/contracts/result.ts';

const result = (accuracy: number): EvalResult => ({
  metrics: { accuracy, latency_ms: 1, params: 1, flops: 1 }, epochs: [], backend: 'fixture', worker: `thread-${threadId}`,
});

function hang(): never {
  // Synchronous: the event loop never turns, so no heartbeat timer fires.
  for (;;) { /* spin */ }
}

export default serveTasks(async ({ job }, { lock }) => {
  const [mode, arg] = job.key.split(':');
  switch (mode) {
    case 'ok': return { result: result(job.candidateId / 100), tensors: null };
    case 'sleep': await sleep(Number(arg)); return { result: result(0.9), tensors: null };
    case 'throw': throw new Error(`diverged at candidate ${job.candidateId}`);
    case 'exit': process.exit(3);
    case 'hang': hang();
    case 'once-hang':
      if (!existsSync(arg)) { writeFileSync(arg, ''); hang(); }
      return { result: result(0.5), tensors: null };
    case 'hold-exit': lock!.acquireShared(); process.exit(3);
    case 'hold-hang': lock!.acquireShared(); hang();
    case 'exclusive': lock!.acquireExclusive(); lock!.releaseExclusive(); return { result: result(0.7), tensors: null };
    case 'oom': {
      const hog: number[][] = [];
      for (;;) hog.push(new Array(1e6).fill(hog.length));
    }
    // What the wasm backend throws when its heap cannot grow (the real one needs gigabytes).
    case 'wasm-abort': throw new Error('Aborted(). Build with -sASSERTIONS for more info.');
    default: throw new Error(`fixture: unknown mode ${mode}`);
  }
});
