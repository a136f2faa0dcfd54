import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../search/store/store.ts';
import { createInProcessExecutor } from '../search/executor/in-process.ts';
import type { Executor, RunningTask } from '../search/executor/types.ts';
import { runLoop } from '../search/run/loop.ts';
import { makeStrategy } from '../search/run/strategy.ts';
import { runConfigSchema, type RunConfig } from '../search/run/config.ts';
import { readSpace } from '../search/run/record.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { fileSha256 } from '../search/run/record.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';

const dir = tempDir();
const tablePath = writeNb201Table(dir);
const spacePath = resolveSpacePath('nb201');
const { def, space } = readSpace(spacePath);

function config(over: Partial<RunConfig> = {}): RunConfig {
  return runConfigSchema.parse({
    spacePath, strategy: 'evolution', budget: 12, population: 4, sample: 2, crossover: 0,
    fitness: { kind: 'metric', metric: 'accuracy' }, scalar: false, constraints: [], objectives: ['accuracy', 'latency_ms'],
    evaluator: { kind: 'table', path: tablePath, columns: { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms', params: 'params' } }, sha256: fileSha256(tablePath, 'table') },
    proxy: { epochs: 1, trainImages: 10, valImages: 10, batchSize: 10, learningRate: 0.1 },
    latency: { runtime: 'none', warmup: 0, repeats: 1 },
    inFlight: 3, workers: 1, maxAttempts: 3, heartbeatMs: 20, staleAfterMs: 150, timeLimitMs: null, maxMemoryMb: null,
    maxConsecutiveFailures: 5, ...over,
  });
}

function newRun(dbName: string, c: RunConfig) {
  const store = openStore(join(dir, dbName));
  const run = store.createRun({
    name: 't', strategy: c.strategy, spaceName: def.name, spaceDefinition: def, spaceHash: space.hash, task: def.task,
    dataset: 'fashion-mnist', config: c, seed: 4, backend: 'table', versions: {}, commandLine: 'test',
  });
  return { store, run };
}

/** In-process executor whose first attempt at each listed candidate hangs without a sign of life. */
function hangingFirst(ids: Set<number>): Executor {
  const inner = createInProcessExecutor();
  const hung = new Set<number>();
  return {
    slots: 2,
    start(task): RunningTask {
      if (!ids.has(task.job.candidateId) || hung.has(task.job.candidateId)) return inner.start(task);
      hung.add(task.job.candidateId);
      const since = Date.now();
      let settle!: (o: Awaited<RunningTask['done']>) => void;
      return {
        done: new Promise((r) => { settle = r; }),
        lastBeat: () => since,
        abort: (kind, error) => settle({ ok: false, kind, error }),
      };
    },
    close: async () => {},
  };
}

test('loop: a candidate whose worker goes silent is marked stale, retried, and finished; the run ends finished', async () => {
  const c = config();
  const { store, run } = newRun('stale.db', c);
  try {
    const strategy = makeStrategy(space, c, { seed: 4 });
    const end = await runLoop({ store, runId: run.id, space, config: c, strategy, executor: hangingFirst(new Set([2, 5])), dataset: 'x', seed: 4 });
    assert.deepEqual(end, { status: 'finished' });
    const cands = store.listCandidates(run.id);
    assert.equal(cands.length, c.budget);
    assert.ok(cands.every((x) => x.status === 'done'), JSON.stringify(cands.map((x) => x.status)));
    assert.deepEqual(cands.filter((x) => x.attempts > 1).map((x) => [x.id, x.attempts]), [[2, 2], [5, 2]]);
    const retries = store.listEvents(run.id).filter((e) => e.kind === 'retry');
    assert.equal(retries.length, 2);
    assert.match(retries[0].message, /no sign of life/);
    assert.equal(store.getRun(run.id)!.status, 'finished');
    const progress = store.listProgress(run.id);
    assert.equal(progress.at(-1)!.evaluated, c.budget);
    assert.ok(progress.at(-1)!.hypervolume! > 0);
  } finally {
    store.close();
  }
});

test('loop: a candidate silent on every attempt fails after maxAttempts and the search goes on', async () => {
  const c = config({ maxAttempts: 1, budget: 6 });
  const { store, run } = newRun('giveup.db', c);
  try {
    const end = await runLoop({ store, runId: run.id, space, config: c, strategy: makeStrategy(space, c, { seed: 4 }), executor: hangingFirst(new Set([3])), dataset: 'x', seed: 4 });
    assert.deepEqual(end, { status: 'finished' });
    const failed = store.listCandidates(run.id, { status: 'failed' });
    assert.deepEqual(failed.map((x) => x.id), [3]);
    assert.match(failed[0].error!, /gave up after 1 attempts/);
    assert.equal(store.listCandidates(run.id, { status: 'done' }).length, 5);
  } finally {
    store.close();
  }
});

test('loop: a stop (abort signal) puts running candidates back to pending with their attempt given back', async () => {
  const c = config({ budget: 8 });
  const { store, run } = newRun('stop.db', c);
  try {
    const controller = new AbortController();
    const executor = hangingFirst(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    setTimeout(() => controller.abort(), 60);
    const end = await runLoop({ store, runId: run.id, space, config: { ...c, staleAfterMs: 60_000 }, strategy: makeStrategy(space, c, { seed: 4 }), executor, signal: controller.signal, dataset: 'x', seed: 4 });
    assert.deepEqual(end, { status: 'stopped' });
    const cands = store.listCandidates(run.id);
    assert.deepEqual(cands.map((x) => [x.status, x.attempts]), [['pending', 0], ['pending', 0], ['pending', 0]]);
    assert.equal(store.getRun(run.id)!.status, 'stopped');
  } finally {
    store.close();
  }
});
