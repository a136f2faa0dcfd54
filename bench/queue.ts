/**
 * `node --import tsx bench/queue.ts [--jobs N] [--sleep MS]`: the queue executor's throughput with
 * 1, 2 and 4 `cellscape worker` processes on this machine (table jobs that sleep MS to stand in
 * for training), and its overhead per job (the same with no sleep, one worker). Starts its own
 * Redis on a loopback port. Prints JSON lines.
 */
import { parseArgs } from 'node:util';
import { createQueueExecutor } from '../search/executor/queue.ts';
import { parseRedisUrl } from '../search/executor/queue-redis.ts';
import type { Executor } from '../search/executor/types.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import { readSpace } from '../search/run/record.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import type { Genotype, Space } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';
import { job, tempDir, writeNb201Table } from '../test/executor-fixtures.ts';
import { redisMissing, startRedis, startWorker } from '../test/queue-fixtures.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '40' }, sleep: { type: 'string', default: '250' } } });
const JOBS = Number(values.jobs), SLEEP_MS = Number(values.sleep);

const missing = redisMissing();
if (missing) { console.error(`bench/queue: ${missing}`); process.exit(1); }

const tablePath = writeNb201Table(tempDir());
const space = readSpace(resolveSpacePath('nb201')).space as Space<Genotype>;
const rng = createRng(1);
const genotypes = new Map<string, Genotype>();
while (genotypes.size < JOBS) { const g = space.sample(rng); genotypes.set(space.key(g), g); }

const tasks = (delayMs: number): EvalTask[] => [...genotypes].map(([key, g], i) => ({
  job: job(i + 1, key, g), evaluator: { kind: 'table', path: tablePath, columns: { accuracy: 'accuracy' }, delayMs },
}));

/** Runs every task keeping the executor's slots full; returns the wall time in seconds. */
async function drain(ex: Executor, all: EvalTask[]): Promise<number> {
  const t0 = performance.now();
  const queue = [...all];
  const running = new Set<Promise<unknown>>();
  while (queue.length || running.size) {
    while (queue.length && running.size < ex.slots) {
      const p: Promise<unknown> = ex.start(queue.shift()!).done.then((o) => {
        running.delete(p);
        if (!(o as { ok: boolean }).ok) throw new Error(`job failed: ${JSON.stringify(o)}`);
      });
      running.add(p);
    }
    await Promise.race(running);
  }
  return (performance.now() - t0) / 1000;
}

const redis = await startRedis();
try {
  const measure = async (workers: number, delayMs: number, name: string) => {
    const procs = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(redis.url, ['--name', `b${i + 1}`])));
    const ex = await createQueueExecutor({ redis: parseRedisUrl(redis.url), namespace: name, slots: 2 * workers, maxAttempts: 1 });
    try {
      // One job per worker first, so that forking the sandboxed child is not counted.
      await drain(ex, tasks(0).slice(0, workers).map((t) => ({ ...t, job: { ...t.job, key: `warm-${t.job.key}` } })));
      return await drain(ex, tasks(delayMs));
    } finally {
      await ex.close();
      await Promise.all(procs.map((p) => p.stop()));
    }
  };
  for (const workers of [1, 2, 4]) {
    const seconds = await measure(workers, SLEEP_MS, `bench-${workers}w-${Date.now()}`);
    const perHour = (JOBS / seconds) * 3600;
    const ideal = (workers * 3600 * 1000) / SLEEP_MS;
    console.log(JSON.stringify({ bench: 'queue-throughput', workers, jobs: JOBS, sleep_ms: SLEEP_MS, seconds: +seconds.toFixed(2), candidates_per_hour: Math.round(perHour), ideal_per_hour: Math.round(ideal), efficiency: +(perHour / ideal).toFixed(3) }));
  }
  const seconds = await measure(1, 0, `bench-overhead-${Date.now()}`);
  console.log(JSON.stringify({ bench: 'queue-overhead', workers: 1, jobs: JOBS, ms_per_job: +((seconds * 1000) / JOBS).toFixed(1), note: 'enqueue, worker pick-up, sandbox round trip, completion event; no sleep' }));
} finally {
  await redis.stop();
}
