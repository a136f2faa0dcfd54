/**
 * The queue executor end to end on this machine: a real Redis server, real `cellscape worker`
 * processes, the search loop with the table evaluator and a short sleep per job. Every search
 * here must store the same candidates as the piscina pool does for the same seed, each once.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { openStore, type Store } from '../search/store/store.ts';
import { createPoolExecutor } from '../search/executor/pool.ts';
import { createQueueExecutor, jobIdOf, queueLatency } from '../search/executor/queue.ts';
import { openQueueForRun, type QueueRunEvent } from '../search/executor/queue-session.ts';
import { DEFAULT_QUEUE, parseRedisUrl } from '../search/executor/queue-redis.ts';
import type { Executor } from '../search/executor/types.ts';
import { runLoop, type LoopEnd } from '../search/run/loop.ts';
import { makeStrategy } from '../search/run/strategy.ts';
import { runConfigSchema, type RunConfig } from '../search/run/config.ts';
import { fileSha256, readSpace } from '../search/run/record.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';
import { job, tempDir, writeNb201Table } from './executor-fixtures.ts';
import { redisMissing, startRedis, startWorker, type RedisServer, type WorkerProcess } from './queue-fixtures.ts';

const skip = redisMissing();
if (skip) console.log(`# SKIP queue tests: ${skip}`);

const dir = tempDir();
const tablePath = writeNb201Table(dir);
const spacePath = resolveSpacePath('nb201');
const { def, space } = readSpace(spacePath);
const SEED = 7;
const DELAY_MS = 120;
/** Seconds a worker's claim on a job lasts between renewals; short, so that a killed worker's job returns soon. */
const LEASE = '1';

const config: RunConfig = runConfigSchema.parse({
  spacePath, strategy: 'evolution', budget: 16, population: 6, sample: 3, crossover: 0,
  fitness: { kind: 'metric', metric: 'accuracy' }, scalar: false, constraints: [], objectives: ['accuracy', 'latency_ms'],
  evaluator: {
    kind: 'table', path: tablePath, columns: { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms' } }, delayMs: DELAY_MS, sha256: fileSha256(tablePath, 'table'),
  },
  proxy: { epochs: 1, trainImages: 10, valImages: 10, batchSize: 10, learningRate: 0.1 },
  latency: { runtime: 'none', warmup: 0, repeats: 1 },
  inFlight: 4, workers: 2, maxAttempts: 3, heartbeatMs: 50, staleAfterMs: 60_000, timeLimitMs: null, maxMemoryMb: null,
  maxConsecutiveFailures: 5,
});

function newRun(name: string) {
  const store = openStore(join(dir, `${name}.db`));
  const run = store.createRun({
    name, strategy: config.strategy, spaceName: def.name, spaceDefinition: def, spaceHash: space.hash, task: def.task,
    dataset: 'fashion-mnist', config, seed: SEED, backend: 'table', versions: {}, commandLine: 'test',
  });
  return { store, runId: run.id };
}

const search = (store: Store, runId: number, executor: Executor, signal?: AbortSignal): Promise<LoopEnd> => {
  const saved = store.getRun(runId)!.state as { strategy: unknown } | null;
  const strategy = makeStrategy(space, config, saved ? { state: saved.strategy } : { seed: SEED });
  return runLoop({ store, runId, space, config, strategy, executor, dataset: 'fashion-mnist', seed: SEED, signal });
};

/** Keys in proposal order, after checking that the run finished with every candidate stored once. */
function finishedKeys(store: Store, runId: number): string[] {
  const cands = store.listCandidates(runId);
  assert.equal(store.getRun(runId)!.status, 'finished');
  assert.equal(cands.length, config.budget);
  assert.ok(cands.every((c) => c.status === 'done'), JSON.stringify(cands.map((c) => [c.id, c.status, c.error])));
  assert.equal(new Set(cands.map((c) => c.key)).size, cands.length);
  assert.equal(store.listProgress(runId).at(-1)!.evaluated, config.budget, 'each result told to the strategy once');
  return cands.map((c) => c.key);
}

let redis: RedisServer;
let reference: string[];
/** Executors and workers a test opened, closed after it: a stalled-job check left running would apply its limit to later tests' jobs. */
const opened: { close(): Promise<void> | void }[] = [];
const closeOpened = async () => { for (const x of opened.splice(0).reverse()) await x.close(); };

async function queueExecutor(namespace: string, maxAttempts = config.maxAttempts, pollMs = 300): Promise<Executor> {
  const ex = await createQueueExecutor({
    redis: parseRedisUrl(redis.url), namespace, slots: config.inFlight, maxAttempts, pollMs, stalledCheckMs: 300,
  });
  opened.push(ex);
  return ex;
}

async function workers(n: number, prefix: string): Promise<WorkerProcess[]> {
  const ws = await Promise.all(Array.from({ length: n }, (_, i) => startWorker(redis.url, ['--lease', LEASE, '--name', `${prefix}${i + 1}`])));
  opened.push(...ws.map((w) => ({ close: () => w.stop() })));
  return ws;
}

/** BullMQ's record of the run's jobs: how many times each was started. */
async function jobStarts(namespace: string): Promise<Map<string, number>> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(DEFAULT_QUEUE, { connection });
  try {
    const jobs = await queue.getJobs(['completed', 'failed', 'active', 'wait']);
    return new Map(jobs.filter((j) => j.id!.startsWith(`${namespace}.`)).map((j) => [j.id!, j.attemptsStarted]));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

before(async () => {
  if (skip) return;
  redis = await startRedis();
  const { store, runId } = newRun('pool');
  const pool = createPoolExecutor({ workers: 2, heartbeatMs: 50 });
  try {
    assert.deepEqual(await search(store, runId, pool), { status: 'finished' });
    reference = finishedKeys(store, runId);
  } finally {
    await pool.close();
    store.close();
  }
});

afterEach(closeOpened);

after(async () => {
  await closeOpened();
  await redis?.stop();
});

test('two worker processes finish a table search with the candidates the piscina pool stores for the seed', { skip }, async () => {
  const [w1, w2] = await workers(2, 'a');
  const { store, runId } = newRun('queue');
  assert.deepEqual(await search(store, runId, await queueExecutor('plain')), { status: 'finished' });
  assert.deepEqual(finishedKeys(store, runId), reference);
  const ran = store.listCandidates(runId).map((c) => c.extra as { worker: string; backend: string });
  assert.ok(ran.every((r) => r.backend === 'table'));
  assert.deepEqual(new Set(ran.map((r) => r.worker.split('/')[0])), new Set(['a1', 'a2']), 'both workers took jobs and said so');
  assert.ok([...(await jobStarts('plain')).values()].every((n) => n === 1), 'no job ran twice');
  await Promise.all([w1.stop(), w2.stop()]);
  store.close();
});

// Polling every millisecond, the search reads jobs' states while workers finish them: a job that
// finished between reading it and reading its state once came back as a result of null.
test('results read back by a poll racing the workers are the workers\' results', { skip }, async () => {
  const [w1, w2] = await workers(2, 'p');
  const { store, runId } = newRun('poll');
  assert.deepEqual(await search(store, runId, await queueExecutor('poll', config.maxAttempts, 1)), { status: 'finished' });
  assert.deepEqual(finishedKeys(store, runId), reference);
  await Promise.all([w1.stop(), w2.stop()]);
  store.close();
});

test('a worker killed with SIGKILL mid-job loses nothing: its job returns after the lease and another worker runs it', { skip }, async () => {
  const [victim, survivor] = await workers(2, 'k');
  const { store, runId } = newRun('killed');
  const running = search(store, runId, await queueExecutor('killed'));
  await victim.jobsDone(2);
  // Its next job is already taken: jobs wait on the queue for the first free worker.
  await new Promise((r) => setTimeout(r, DELAY_MS / 3));
  victim.proc.kill('SIGKILL');
  assert.deepEqual(await running, { status: 'finished' });
  assert.deepEqual(finishedKeys(store, runId), reference);
  const starts = await jobStarts('killed');
  const rerun = [...starts].filter(([, n]) => n > 1);
  assert.equal(rerun.length, 1, `only the killed job ran twice: ${JSON.stringify([...starts])}`);
  assert.equal(rerun[0][1], 2);
  const cand = store.listCandidates(runId).find((c) => jobIdOf('killed', c.key) === rerun[0][0])!;
  assert.match((cand.extra as { worker: string }).worker, /^k2\//, 'the survivor ran it again');
  await survivor.stop();
  store.close();
});

test('a job whose workers keep vanishing fails with its error once it has had its runs', { skip }, async () => {
  const [victim] = await workers(1, 'v');
  const ex = await queueExecutor('vanish', 1);
  const task = ex.start({ job: job(1, 'vanishing', space.sample(createRng(1))), evaluator: { kind: 'table', path: tablePath, columns: { metrics: { accuracy: 'accuracy' } }, delayMs: 5000 } });
  await new Promise((r) => setTimeout(r, 1000));
  victim.proc.kill('SIGKILL');
  const [next] = await workers(1, 'n');
  const outcome = await task.done;
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok && outcome.kind === 'error', JSON.stringify(outcome));
  assert.match(!outcome.ok ? outcome.error : '', /stopped renewing its lease 1 times \(job stalled more than allowable limit\)/);
  await next.stop();
});

test('the search survives a Redis restart mid-run: persisted jobs finish, each candidate stored once', { skip }, async () => {
  const [w1, w2] = await workers(2, 'r');
  const { store, runId } = newRun('restart');
  const running = search(store, runId, await queueExecutor('restart'));
  await w1.jobsDone(2);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 500));
  await redis.start();
  assert.deepEqual(await running, { status: 'finished' });
  assert.deepEqual(finishedKeys(store, runId), reference);
  await Promise.all([w1.stop(), w2.stop()]);
  store.close();
});

test('a stopped search resumes onto the same queue: jobs waiting or done while it was away are not enqueued again', { skip }, async () => {
  const [w1, w2] = await workers(2, 's');
  const { store, runId } = newRun('resume');
  const stop = new AbortController();
  const firstExecutor = await queueExecutor('resume');
  const first = search(store, runId, firstExecutor, stop.signal);
  await w1.jobsDone(2);
  stop.abort();
  assert.deepEqual(await first, { status: 'stopped' });
  await firstExecutor.close();
  const pendingAtStop = store.listCandidates(runId).filter((c) => c.status === 'pending').length;
  assert.ok(pendingAtStop > 0, 'jobs were still out when the search stopped');
  // The workers go on while the search is away; the resumed search collects what they finished.
  await new Promise((r) => setTimeout(r, 2 * DELAY_MS));
  assert.deepEqual(await search(store, runId, await queueExecutor('resume')), { status: 'finished' });
  assert.deepEqual(finishedKeys(store, runId), reference);
  const starts = await jobStarts('resume');
  assert.equal(starts.size, config.budget);
  assert.ok([...starts.values()].every((n) => n === 1), JSON.stringify([...starts]));
  await Promise.all([w1.stop(), w2.stop()]);
  store.close();
});

test('a queue run records where its jobs go and that latency is looked up, never measured on workers', { skip }, async () => {
  const events: QueueRunEvent[] = [];
  const run = { id: 9, createdAt: 1 };
  await assert.rejects(openQueueForRun(run, config, undefined, (e) => events.push(e)), /needs --redis URL/);
  const ex = await openQueueForRun(run, config, redis.url, (e) => events.push(e));
  await ex.close();
  assert.equal(events.length, 1);
  assert.match(events[0].message, /at 127\.0\.0\.1:\d+; latency from the benchmark table's column latency_ms/);
  const proxy = await openQueueForRun(run, { ...config, evaluator: { kind: 'proxy' }, latency: { runtime: 'tfjs', warmup: 1, repeats: 5 } }, redis.url, (e) => events.push(e));
  await proxy.close();
  assert.match(events[1].message, /latency not measured: tfjs timings on heterogeneous queue workers/);
  assert.equal(queueLatency({ runtime: 'tfjs', warmup: 1, repeats: 5 }).runtime, 'none');
  assert.deepEqual(queueLatency({ runtime: 'lut', warmup: 0, repeats: 1, lutPath: 'l.json' }), { runtime: 'lut', warmup: 0, repeats: 1, lutPath: 'l.json' });
});
