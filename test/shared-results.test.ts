/**
 * shareResults: searches that differ only in their constraint (`cellscape specialise`'s targets)
 * share one executor's answers. Each architecture is evaluated once across the searches, and
 * every search proposes, stores and ends with what it would have on its own; a failure is not
 * shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../search/store/store.ts';
import { createInProcessExecutor } from '../search/executor/in-process.ts';
import { shareResults } from '../search/executor/shared-results.ts';
import type { Executor } from '../search/executor/types.ts';
import type { Outcome } from '../search/contracts/outcome.ts';
import { runLoop } from '../search/run/loop.ts';
import { makeStrategy } from '../search/run/strategy.ts';
import { runConfigSchema, type RunConfig } from '../search/run/config.ts';
import { fileSha256, readSpace } from '../search/run/record.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { job, tempDir, writeNb201Table } from './executor-fixtures.ts';

const dir = tempDir();
const tablePath = writeNb201Table(dir);
const spacePath = resolveSpacePath('nb201');
const { def, space } = readSpace(spacePath);

/** An evolution on the synthetic table under a latency bound: what specialise runs per target. */
function config(maxLatency: number): RunConfig {
  return runConfigSchema.parse({
    spacePath, strategy: 'evolution', budget: 16, population: 6, sample: 2, crossover: 0,
    fitness: { kind: 'metric', metric: 'accuracy' }, scalar: false, constraints: [{ metric: 'latency_ms', max: maxLatency }], objectives: ['accuracy', 'latency_ms'],
    evaluator: { kind: 'table', path: tablePath, columns: { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms' } }, sha256: fileSha256(tablePath, 'table') },
    proxy: { epochs: 1, trainImages: 10, valImages: 10, batchSize: 10, learningRate: 0.1 },
    latency: { runtime: 'none', warmup: 0, repeats: 1 },
    inFlight: 2, workers: 1, maxAttempts: 3, heartbeatMs: 20, staleAfterMs: 60_000, timeLimitMs: null, maxMemoryMb: null, maxConsecutiveFailures: 5,
  });
}

/** The in-process executor, counting the tasks it runs. */
function counted(): Executor & { started: number } {
  const inner = createInProcessExecutor();
  const e = { slots: inner.slots, started: 0, start: (t: Parameters<Executor['start']>[0]) => { e.started++; return inner.start(t); }, close: inner.close };
  return e;
}

/** One search per bound, in one database, each on the executor `executorFor` gives it. */
async function searches(db: string, bounds: number[], executorFor: () => Executor) {
  const store = openStore(join(dir, db));
  try {
    const runs = [];
    for (const max of bounds) {
      const c = config(max);
      const run = store.createRun({
        name: `max ${max}`, strategy: 'evolution', spaceName: def.name, spaceDefinition: def, spaceHash: space.hash, task: def.task,
        dataset: 'fashion-mnist', config: c, seed: 3, backend: 'table', versions: {}, commandLine: 'test',
      });
      const end = await runLoop({ store, runId: run.id, space, config: c, strategy: makeStrategy(space, c, { seed: 3 }), executor: executorFor(), dataset: 'fashion-mnist', seed: 3 });
      assert.deepEqual(end, { status: 'finished' });
      runs.push(store.listCandidates(run.id));
    }
    return runs;
  } finally {
    store.close();
  }
}

test('shared results: each architecture is evaluated once across the targets\' searches, and each search is what it is alone', async () => {
  // Bounds at the table's 20th, 50th and 80th latency percentiles, so the searches' feasible sets differ.
  const lat = readFileSync(tablePath, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2])).sort((a, b) => a - b);
  const bounds = [0.2, 0.5, 0.8].map((q) => lat[Math.floor(q * lat.length)]);
  assert.ok(bounds[0] < bounds[2], `latencies ${bounds}`);

  const alone = counted();
  const separate = await searches('alone.db', bounds, () => alone);
  const inner = counted();
  const shared = shareResults(inner);
  const together = await searches('shared.db', bounds, () => shared.view());
  await shared.close();

  const keys = (runs: typeof separate) => runs.map((r) => r.map((c) => c.key));
  // What each search proposed, in order, and what it was told: the same with and without sharing.
  assert.deepEqual(keys(together), keys(separate));
  assert.deepEqual(together.map((r) => r.map((c) => c.metrics)), separate.map((r) => r.map((c) => c.metrics)));
  // The searches overlap (the same seed draws the same first population), so sharing saved work...
  const all = separate.flat().length;
  const distinct = new Set(separate.flat().map((c) => c.key)).size;
  assert.equal(alone.started, all);
  assert.ok(distinct < all, `${distinct} distinct of ${all}`);
  // ...and every architecture was evaluated exactly once.
  assert.equal(inner.started, distinct);
  assert.equal(shared.evaluations, distinct);
  assert.equal(shared.shared, all - distinct);
  // A shared answer names the candidate that was evaluated: same architecture, same metrics, an earlier run.
  const byId = new Map(together.flat().map((c) => [c.id, c]));
  const reused = together.flat().filter((c) => c.extra?.sharedFrom);
  assert.equal(reused.length, all - distinct);
  for (const c of reused) {
    const from = c.extra!.sharedFrom as { runId: number; candidateId: number };
    const origin = byId.get(from.candidateId)!;
    assert.ok(!origin.extra?.sharedFrom && origin.key === c.key && from.runId < c.runId, JSON.stringify({ c: c.id, from }));
    assert.deepEqual(origin.metrics, c.metrics);
  }
});

test('shared results: a failed evaluation is not shared; the next run asking for it evaluates it again', async () => {
  let calls = 0;
  const flaky: Executor = {
    slots: 1,
    start: () => {
      calls++;
      const out: Outcome = calls === 1 ? { ok: false, kind: 'crash', error: 'worker exited' } : { ok: true, result: { metrics: { accuracy: 0.5 }, epochs: [], backend: 'cpu', worker: 'w' }, tensors: null };
      return { done: Promise.resolve(out), lastBeat: () => Date.now(), abort: () => {} };
    },
    close: async () => {},
  };
  const shared = shareResults(flaky);
  const e = shared.view();
  const as = (runId: number) => ({ job: { ...job(runId, 'k'), runId }, evaluator: { kind: 'table' } });
  assert.equal((await e.start(as(1)).done).ok, false);
  const second = await e.start(as(2)).done;
  assert.ok(second.ok && !second.result.extra?.sharedFrom);
  const third = await e.start(as(3)).done;
  assert.ok(third.ok);
  assert.deepEqual(third.result.extra, { sharedFrom: { runId: 2, candidateId: 2 } });
  assert.equal(calls, 2);
  // Another evaluator's answer is another evaluation.
  await e.start({ ...as(4), evaluator: { kind: 'proxy' } }).done;
  assert.equal(calls, 3);
  assert.deepEqual([shared.evaluations, shared.shared], [3, 1]);
});
