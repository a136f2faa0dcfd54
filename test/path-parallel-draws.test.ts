/**
 * What the workers of a data-parallel SPOS or Once-for-All run select (strategies/one-shot/
 * parallel.ts, the group's per-step check in train/data-parallel/group.ts): every worker applies
 * the same averaged gradients, so a worker that trained another subnet would keep equal weights
 * and pass the epoch's weight check. Each step's subnet comes from seed and step; a worker whose
 * trainer was rebuilt from another seed stops the first step whose subnet differs, naming the
 * step, the phase and the worker, and passes a step whose subnet the seed does not decide (the
 * sandwich rule's largest network).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../search/backend/index.ts';
import { createBatcher } from '../search/data/batches.ts';
import { loadDataset } from '../search/data/registry.ts';
import type { Dataset } from '../search/data/types.ts';
import { DEFAULT_SPOS_CONFIG } from '../search/strategies/one-shot/config.ts';
import { DEFAULT_OFA_CONFIG } from '../search/strategies/ofa/config.ts';
import { createDataParallel } from '../search/train/data-parallel/group.ts';
import { labelledShards, type LabelledShard, type NetworkStepArgs } from '../search/train/data-parallel/network-replica.ts';
import { stepName } from '../search/train/data-parallel/network-steps.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyBlocks } from './tiny-blocks.ts';
import { writeTinyCell } from './tiny-cell.ts';

const dir = tempDir('path-draws-');
const cellSpace = writeTinyCell(dir), blockSpace = writeTinyBlocks(dir);

let ds: Dataset;
before(async () => {
  await initBackend();
  ds = loadDataset('fashion-mnist', { subset: { train: 24, val: 0, test: 0 } });
});

const STEPS_PER_EPOCH = 2, BATCH = 6, LR = 0.05;

const trainers = {
  spos: { module: '../search/strategies/one-shot/run.ts', config: { ...DEFAULT_SPOS_CONFIG, space: cellSpace, seed: 3 } },
  // Step 0 trains the sandwich rule's largest network, whatever the seed; step 1 the kernel
  // phase's smallest subnet, whose ops are still drawn.
  ofa: { module: '../search/strategies/ofa/run.ts', config: { ...DEFAULT_OFA_CONFIG, space: blockSpace, seed: 3, phaseEpochs: [0, 1, 1, 0], epochs: 2, sandwich: true } },
};

/**
 * `steps` steps of `kind`'s trainer on 2 workers of the drift replica, each batch split over both
 * as networkSteps splits it; worker 1 is rebuilt from the next seed before step `reseedAt`.
 * Resolves to each step's outcome: 'ok' or the error's message.
 */
async function stepsOf(kind: keyof typeof trainers, steps: number, reseedAt: number): Promise<string[]> {
  const t = trainers[kind];
  const group = await createDataParallel<LabelledShard, NetworkStepArgs>({
    workers: 2, replica: new URL('./path-drift-replica.ts', import.meta.url), phases: ['weight'], stepName,
    args: { module: new URL(t.module, import.meta.url).href, config: t.config, inShape: [...ds.shape], classes: ds.numClasses, stepsPerEpoch: STEPS_PER_EPOCH },
  });
  const batcher = createBatcher(ds.train, ds.shape, { batchSize: BATCH, seed: 1, mean: ds.mean, std: ds.std });
  const outcomes: string[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      if (step === reseedAt) await group.callOne(1, 'reseed');
      const b = batcher.next();
      try {
        await group.step('weight', labelledShards(b.x, b.y, [...ds.shape], ds.numClasses, [3, 3]), [3, 3], { step, lr: LR });
        outcomes.push(`${step} ok`);
      } catch (err) {
        outcomes.push((err as Error).message);
      }
    }
  } finally {
    await group.close();
  }
  return outcomes;
}

const rejected = (step: number): RegExp => new RegExp(`^data-parallel step ${step}, phase 'weight': worker 1 drew [0-9a-f]{8} where worker 0 drew [0-9a-f]{8} `);

test('spos on 2 workers selects alike at every step; a worker whose paths come from another seed stops the next step, naming the step, the phase and the worker', async () => {
  const out = await stepsOf('spos', 3, 2);
  assert.deepEqual(out.slice(0, 2), ['0 ok', '1 ok']);
  assert.match(out[2], rejected(2));
});

test('once-for-all on 2 workers: a worker on another seed passes the sandwich rule\'s largest network and stops at the next step, whose subnet its seed draws', async () => {
  const out = await stepsOf('ofa', 2, 0);
  assert.equal(out[0], '0 ok');
  assert.match(out[1], rejected(1));
});
