/**
 * Single-path supernets (SPOS, Once-for-All) trained data-parallel (--data-parallel N,
 * strategies/one-shot/parallel.ts) on tiny real inputs.
 *
 * Two workers, each given the same batch, train exactly as one worker on that batch: the check
 * that they select the step's subnet, weigh and average their gradients and step the optimizer as
 * one worker does, with batch norm in the network. (Two workers on a batch's two halves do not train
 * as one on the whole batch here: batch norm normalises each shard by its own statistics, as
 * PyTorch's DistributedDataParallel without SyncBatchNorm; and even one worker on a batch and on
 * the batch twice over differ by a 1e-4 share of the gradient's norm at the first step, which these
 * supernets amplify; bench/data/supernet-parallel.md. The group's exactness on a network without
 * batch norm is test/data-parallel.test.ts's.) The groups build their replicas through the
 * trainers' own createReplica, so that the step's subnet comes from the step's number there, as in
 * a run. Through the CLI: a run on 2 workers killed with kill -9 resumes to the weights of an
 * uninterrupted one, and a bad value gets a one-line error naming the flag.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../search/backend/index.ts';
import { createBatcher, type Batch } from '../search/data/batches.ts';
import { loadDataset } from '../search/data/registry.ts';
import type { Dataset } from '../search/data/types.ts';
import { DEFAULT_SPOS_CONFIG } from '../search/strategies/one-shot/config.ts';
import { DEFAULT_OFA_CONFIG } from '../search/strategies/ofa/config.ts';
import type { SavedTensor } from '../search/train/checkpoint.ts';
import { createDataParallel, type DataParallelGroup } from '../search/train/data-parallel/group.ts';
import { labelledShards, type LabelledShard, type NetworkStepArgs } from '../search/train/data-parallel/network-replica.ts';
import { cellscape, killResumeAndCompare } from './supernet-kill.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyBlocks } from './tiny-blocks.ts';
import { writeTinyCell } from './tiny-cell.ts';

const dir = tempDir('supernet-dp-');
const cellSpace = writeTinyCell(dir), blockSpace = writeTinyBlocks(dir);

let ds: Dataset;
before(async () => {
  await initBackend();
  ds = loadDataset('fashion-mnist', { subset: { train: 64, val: 0, test: 0 } });
});

type Group = DataParallelGroup<LabelledShard, NetworkStepArgs>;
const STEPS = 4, STEPS_PER_EPOCH = 2, BATCH = 6, LR = 0.05;

const trainers = {
  spos: { module: '../search/strategies/one-shot/run.ts', config: { ...DEFAULT_SPOS_CONFIG, space: cellSpace, seed: 3 } },
  // Kernel then depth phase over the 4 steps, the sandwich rule's largest, smallest and random subnets among them.
  ofa: { module: '../search/strategies/ofa/run.ts', config: { ...DEFAULT_OFA_CONFIG, space: blockSpace, seed: 3, phaseEpochs: [0, 1, 1, 0], epochs: 2, sandwich: true } },
};

const group = (kind: keyof typeof trainers, workers: number): Promise<Group> => createDataParallel<LabelledShard, NetworkStepArgs>({
  workers, replica: new URL(trainers[kind].module, import.meta.url), phases: ['weight'],
  args: { config: trainers[kind].config, inShape: [...ds.shape], classes: ds.numClasses, stepsPerEpoch: STEPS_PER_EPOCH },
});

const shard = (b: Batch): LabelledShard => labelledShards(b.x, b.y, [...ds.shape], ds.numClasses, [b.size])[0];

/**
 * Steps one worker on a batch and two workers on two copies of it: the average of two equal
 * gradients is that gradient, so the groups stay equal exactly when both workers train the step's
 * subnet, apply the same optimizer step and weigh the shards as they should. Returns both groups'
 * weights and buffers at the end, and at the start.
 */
async function trainBoth(kind: keyof typeof trainers): Promise<{ one: SavedTensor[]; two: SavedTensor[]; init: SavedTensor[] }> {
  const [one, two] = [await group(kind, 1), await group(kind, 2)];
  try {
    const init = ((await one.callOne(0, 'save')) as { weights: SavedTensor[] }).weights;
    const batcher = createBatcher(ds.train, ds.shape, { batchSize: BATCH, seed: 1, mean: ds.mean, std: ds.std });
    for (let step = 0; step < STEPS; step++) {
      const s = shard(batcher.next());
      const [m1] = await one.step('weight', [s], [s.n], { step, lr: LR });
      const m2 = await two.step('weight', [s, s], [s.n, s.n], { step, lr: LR });
      assert.equal(m2[0].loss, m1.loss, `step ${step}`);
    }
    await two.checkIdentical(['weight']);
    const [w1, w2] = await Promise.all([one.callOne(0, 'save'), two.callOne(1, 'save')]) as { weights: SavedTensor[] }[];
    return { one: w1.weights, two: w2.weights, init };
  } finally {
    await one.close();
    await two.close();
  }
}

const moved = (a: SavedTensor, b: SavedTensor): boolean => a.values.some((x, i) => x !== b.values[i]);

for (const kind of ['spos', 'ofa'] as const) {
  test(`${kind}: 2 workers on two copies of a batch train as 1 worker on it, each step on the step's subnet; ops off every path stay as they were`, async () => {
    const { one, two, init } = await trainBoth(kind);
    const diff = Math.max(...one.map((w, i) => Math.max(...w.values.map((x, j) => Math.abs(x - two[i].values[j])))));
    assert.ok(diff < 1e-6, `largest weight difference between 1 and 2 workers: ${diff}`);
    // Weight decay would move every kernel, and momentum carry on any, were ops off a step's subnet not frozen.
    const kernels = init.flatMap((w, i) => (w.name.endsWith('kernel') ? [moved(w, one[i])] : []));
    assert.ok(kernels.includes(true) && kernels.includes(false), `${kernels.filter(Boolean).length} of ${kernels.length} kernels moved: a step moves its subnet's weights and no other's`);
    assert.deepEqual(init.map((w, i) => moved(w, two[i])), init.map((w, i) => moved(w, one[i])));
  });
}

const sposRun = (db: string) => ['search', '--strategy', 'spos', '--space', cellSpace, '--epochs', '3', '--train-images', '64', '--batch-size', '16',
  '--subnets', '1', '--calibration-images', '32', '--val-images', '32', '--seed', '3', '--data-parallel', '2', '--db', db];

test('spos on 2 workers: kill -9 after an epoch, then resume: the run ends with the weights of an uninterrupted one', async () => {
  await killResumeAndCompare(sposRun, 3, join(dir, 'killed.db'), join(dir, 'whole.db'));
});

test('--data-parallel: more workers than a batch has images, or none, is refused naming the flag', () => {
  const db = join(dir, 'bad.db');
  const many = cellscape(['search', '--strategy', 'ofa', '--space', blockSpace, '--batch-size', '4', '--data-parallel', '5', '--db', db]);
  assert.notEqual(many.status, 0);
  assert.match(many.stderr, /--data-parallel 5: a batch of 4 cannot give every worker an image/);
  const none = cellscape(['search', '--strategy', 'spos', '--space', cellSpace, '--data-parallel', '0', '--db', db]);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /data-parallel/);
});
