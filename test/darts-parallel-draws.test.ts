/**
 * What the workers of a data-parallel DARTS search draw (strategies/darts/parallel.ts, the
 * group's per-step check in train/data-parallel/group.ts): every worker applies the same averaged
 * gradients, so a worker that drew another path would keep equal weights and pass the epoch's
 * weight check. GDAS (Gumbel draws from the epoch's generator) and uniform-cell (one cell a weight
 * step, from seed and step) searches on 2 workers run as they are, in both updates; a worker whose
 * generator ran one pass ahead, or whose cells come from another seed, stops the step it first
 * draws otherwise, naming the step, the phase and the worker.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../search/backend/index.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { runDarts } from '../search/run/drivers/darts.ts';
import { dartsConfig, type DartsConfig } from '../search/strategies/darts/config.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { shardBatch, stepName, type PlainBatch, type ReplicaArgs } from '../search/strategies/darts/parallel.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { withLatencySites, type DartsStepArgs } from '../search/strategies/darts/session.ts';
import { createDataParallel } from '../search/train/data-parallel/group.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyCell } from './tiny-cell.ts';

const dir = tempDir('darts-draws-');
const tiny = { space: writeTinyCell(dir), trainImages: 8, valImages: 8, batchSize: 4, epochs: 2, augment: false, proxy: null, dataParallel: 2, remedy: { kind: 'gdas', weight: 10 } } as DartsConfig;
const opLatency = (key: string): number => (key.startsWith('sep_conv') ? 0.5 : 0.05);
let store: Store;
before(async () => {
  await initBackend();
  store = openStore(join(dir, 'runs.db'));
});
after(() => store.close());

test('GDAS and uniform-cell searches on 2 workers draw alike at every step, split by images and by halves', async () => {
  const sharded = await runDarts(tiny, store, { opLatency });
  // Halves: worker 0 computes the GDAS architecture half and skips the uniform-cell weight half
  // (and skips it alone in the warm-up epoch), worker 1 the other way round.
  const halves = await runDarts({ ...tiny, epochs: 3, warmupEpochs: 1, update: 'simultaneous', weightSampling: 'uniform-cell' }, store, { opLatency });
  for (const r of [sharded, halves]) assert.equal(r.status, 'finished');
});

/**
 * Three alternating steps of `overrides`' search on 2 workers of the drift replica, each batch
 * split over both as parallelSteps splits it; `perturb` runs on the group before the third.
 * Resolves to each step's outcome per phase: 'ok' or the error's message.
 */
async function threeSteps(overrides: Partial<DartsConfig>, perturb: (g: { callOne(w: number, m: string, a?: unknown): Promise<unknown> }, a: DartsStepArgs) => Promise<unknown>): Promise<string[]> {
  const c = dartsConfig({ ...tiny, trainImages: 12, valImages: 12, ...overrides });
  const space = loadCellSpace(c.space);
  const lat = withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, opLatency(x.key)])));
  const group = await createDataParallel<PlainBatch, DartsStepArgs>({
    workers: 2, replica: new URL('./darts-drift-replica.ts', import.meta.url), args: { config: c, opLatency: lat } satisfies ReplicaArgs,
    phases: ['arch', 'weight'], backend: c.backend, stepName,
  });
  const ds = loadDartsData(c, 'classification');
  const train = ds.batches('train', 0), val = ds.batches('val', 0);
  const outcomes: string[] = [];
  try {
    for (let step = 0; step < 3; step++) {
      const a: DartsStepArgs = { epoch: 0, step, totalSteps: 3, lr: c.learningRate, multiplier: 0 };
      if (step === 2) await perturb(group, { ...a, step: 1 });
      for (const [phase, batch] of [['arch', val.next()], ['weight', train.next()]] as const) {
        try {
          await group.step(phase, shardBatch(batch, [2, 2]), [2, 2], a);
          outcomes.push(`${step} ${phase} ok`);
        } catch (err) {
          outcomes.push((err as Error).message);
        } finally {
          disposeBatch(batch);
        }
      }
    }
  } finally {
    await group.close();
  }
  return outcomes;
}

test('a GDAS worker whose generator ran a pass ahead stops the next step\'s architecture half, naming the step, the phase and the worker', async () => {
  const out = await threeSteps({}, (g, a) => g.callOne(1, 'extra-draw', { phase: 'weight', step: a }));
  assert.deepEqual(out.slice(0, 4), ['0 arch ok', '0 weight ok', '1 arch ok', '1 weight ok']);
  assert.match(out[4], /^data-parallel epoch 0 step 2, phase 'arch': worker 1 drew normal [0-9a-f]{8} reduce [0-9a-f]{8} where worker 0 drew normal [0-9a-f]{8} reduce [0-9a-f]{8} /);
});

test('a uniform-cell worker whose cells come from another seed stops the next weight half, its architecture half (no draw) passing', async () => {
  const out = await threeSteps({ remedy: { kind: 'none', weight: 0 }, weightSampling: 'uniform-cell' }, (g) => g.callOne(1, 'reseed'));
  assert.deepEqual(out.slice(0, 5), ['0 arch ok', '0 weight ok', '1 arch ok', '1 weight ok', '2 arch ok']);
  assert.match(out[5], /^data-parallel epoch 0 step 2, phase 'weight': worker 1 drew normal [0-9a-f]{8} reduce [0-9a-f]{8} where worker 0 drew normal [0-9a-f]{8} reduce [0-9a-f]{8} /);
});
