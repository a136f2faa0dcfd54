/**
 * DARTS trained data-parallel (--data-parallel 2, strategies/darts/parallel.ts) on tiny real
 * inputs: the workers' replicas stay equal (the search checks them at every epoch's end and
 * fails otherwise), a stopped run resumes on fresh workers to the alphas of an uninterrupted one
 * (weights, alphas and both optimizers' slots travel between the search and its workers), the
 * simultaneous update's halves on 2 workers train as the same update in one thread, and the
 * options refuse what they cannot do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../search/backend/index.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { runDarts, resumeDarts } from '../search/run/drivers/darts.ts';
import { dartsConfig, type DartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData, disposeBatch } from '../search/strategies/darts/data.ts';
import { localSteps, parallelSteps } from '../search/strategies/darts/parallel.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession, withLatencySites, type SessionState } from '../search/strategies/darts/session.ts';
import type { SavedTensor } from '../search/train/checkpoint.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyCell } from './tiny-cell.ts';

const dir = tempDir('darts-dp-');
const tiny = {
  space: writeTinyCell(dir), trainImages: 8, valImages: 8, batchSize: 4, epochs: 2, augment: false, proxy: null, partialChannels: 2, dataParallel: 2,
  remedy: { kind: 'drnas', weight: 1e-3 }, latency: { weight: 0.2, form: 'linear' },
} as DartsConfig;
const opLatency = (key: string): number => (key.startsWith('sep_conv') ? 0.5 : 0.05);
let store: Store;
before(async () => {
  await initBackend();
  store = openStore(join(dir, 'runs.db'));
});
after(() => store.close());

const lastAlphas = (runId: number): number[] => store.listArchSnapshots(runId).slice(-2).flatMap((s) => s.weights.edges.flatMap((e) => e.weights));

test('a data-parallel search on 2 workers finishes with moved alphas, and a stopped one resumes to the same alphas', async () => {
  const full = await runDarts(tiny, store, { opLatency });
  assert.equal(full.status, 'finished');
  const alphas = lastAlphas(full.runId);
  assert.ok(alphas.some((w) => Math.abs(w - 0.25) > 1e-4), 'the alphas left uniform');
  const ac = new AbortController();
  const first = await runDarts(tiny, store, { opLatency, signal: ac.signal, onEpoch: () => ac.abort() });
  assert.equal(first.status, 'stopped');
  const second = await resumeDarts(first.runId, store);
  assert.equal(second.status, 'finished');
  const b = lastAlphas(first.runId);
  const diff = Math.max(...alphas.map((x, i) => Math.abs(x - b[i])));
  assert.ok(diff < 1e-6, `largest alpha softmax difference ${diff}`);
  assert.deepEqual(second.genotype, full.genotype);
});

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

test('the simultaneous update with its halves on 2 workers ends as the same update in one thread, and not as the alternating one', async () => {
  // A warm-up epoch (weight half only, on one worker) before two searching epochs; DrNAS's draws
  // must stay in step on the worker that skips a half.
  const sim: DartsConfig = { ...tiny, epochs: 3, warmupEpochs: 1, update: 'simultaneous' };
  const halves = await runDarts(sim, store, { opLatency });
  const oneThread = await runDarts({ ...sim, dataParallel: 1 }, store, { opLatency });
  const alternating = await runDarts({ ...sim, dataParallel: 1, update: 'alternating' }, store, { opLatency });
  for (const r of [halves, oneThread, alternating]) assert.equal(r.status, 'finished');
  const [h, o, a] = [halves, oneThread, alternating].map((r) => lastAlphas(r.runId));
  assert.ok(h.some((w) => Math.abs(w - 0.25) > 1e-4), 'the alphas left uniform');
  const diff = maxDiff(h, o);
  assert.ok(diff < 1e-6, `largest alpha softmax difference between 2 workers and one thread ${diff}`);
  assert.deepEqual(halves.genotype, oneThread.genotype);
  assert.ok(maxDiff(o, a) > 1e-5, 'the simultaneous and the alternating update end with different alphas');
});

test('simultaneous steps on 2 workers leave the weights, running statistics, alphas and both optimizers\' slots of one thread', async () => {
  const c = dartsConfig({ ...tiny, update: 'simultaneous' });
  const space = loadCellSpace(c.space);
  const lat = withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, opLatency(x.key)])));
  const here = createDartsSession(space, c, lat), there = createDartsSession(space, c, lat);
  const local = localSteps(here, c);
  const remote = await parallelSteps(there, c, lat, 2, false);
  try {
    const ds = loadDartsData(c, 'classification');
    const train = ds.batches('train', 0), val = ds.batches('val', 0);
    for (let step = 0; step < 2; step++) {
      const t = train.next(), v = val.next();
      const a = { epoch: 0, step, totalSteps: 2, lr: c.learningRate, multiplier: 0 };
      try {
        const [l, r] = [await local.step(v, t, a), await remote.step(v, t, a)];
        assert.ok(Math.abs(l.weight.loss - r.weight.loss) < 1e-6 && Math.abs(l.arch!.loss - r.arch!.loss) < 1e-6, `losses ${JSON.stringify([l, r])}`);
      } finally {
        disposeBatch(t);
        disposeBatch(v);
      }
    }
    await remote.sync();
    const flat = (x: SessionState): Array<[string, Float32Array]> => (Object.entries(x) as Array<[string, SavedTensor[]]>).flatMap(([part, ts]) => ts.map((t) => [`${part} ${t.name}`, t.values] as [string, Float32Array]));
    const [mine, theirs] = [flat(await here.save()), flat(await there.save())];
    assert.deepEqual(mine.map(([n]) => n), theirs.map(([n]) => n));
    assert.ok(mine.some(([n]) => n.endsWith('running_mean')) && mine.some(([n]) => n.startsWith('archOptimizer')), 'the state holds running statistics and the alphas\' Adam slots');
    for (const [i, [name, values]] of mine.entries()) {
      const d = maxDiff([...values], [...theirs[i][1]]);
      assert.ok(d < 1e-6, `${name}: largest difference ${d}`);
    }
  } finally {
    await remote.close();
    here.dispose();
    there.dispose();
  }
});

test('--data-parallel and --update refuse the second order and what their workers cannot split', async () => {
  await assert.rejects(runDarts({ ...tiny, order: 2 }, store, { opLatency }), /second-order architecture step runs in one thread/);
  await assert.rejects(runDarts({ ...tiny, dataParallel: 5 }, store, { opLatency }), /a batch of 4 cannot give every worker an image/);
  await assert.rejects(runDarts({ ...tiny, dataParallel: 3, update: 'simultaneous' }, store, { opLatency }), /runs its two halves on 2 workers/);
  await assert.rejects(runDarts({ ...tiny, dataParallel: 1, order: 2, update: 'simultaneous' }, store, { opLatency }), /--update simultaneous: takes the first-order step only/);
});
