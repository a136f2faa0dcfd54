/**
 * Data-parallel training (search/train/data-parallel/): the workers' replicas stay equal bit for
 * bit, and two workers on the two halves of a batch train as one worker on the whole batch
 * (a model without batch norm, test/data-parallel-replica.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDataParallel } from '../search/train/data-parallel/group.ts';
import { labelledShards, type LabelledShard as Shard, type NetworkStepArgs as Args } from '../search/train/data-parallel/network-replica.ts';
import { shardSizes } from '../search/train/data-parallel/replica.ts';
import { createRng } from '../search/util/rng.ts';
import { CLASSES, FEATURES } from './data-parallel-replica.ts';

const replica = new URL('./data-parallel-replica.ts', import.meta.url);

function batch(n: number, seed: number): Shard {
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * CLASSES));
  // Separable classes: the label shifts some features, so that the loss falls.
  const x = Float32Array.from({ length: n * FEATURES }, (_, i) => rng.normal() + (i % FEATURES === labels[Math.floor(i / FEATURES)] ? 2 : 0));
  return { x, labels, n, shape: [FEATURES], classes: CLASSES };
}

function split(b: Shard, workers: number): { shards: Shard[]; sizes: number[] } {
  const sizes = shardSizes(b.n, workers);
  return { shards: labelledShards(b.x, b.labels, b.shape, b.classes, sizes), sizes };
}

test('shardSizes splits a batch as evenly as it can and refuses too small a batch', () => {
  assert.deepEqual(shardSizes(7, 2), [4, 3]);
  assert.deepEqual(shardSizes(64, 2), [32, 32]);
  assert.throws(() => shardSizes(1, 2), /cannot be split over 2 workers/);
});

test('two workers keep identical weights and train as one worker on the whole batch', async () => {
  const one = await createDataParallel<Shard, Args>({ workers: 1, replica, args: { seed: 5 }, phases: ['weight'] });
  const two = await createDataParallel<Shard, Args>({ workers: 2, replica, args: { seed: 5 }, phases: ['weight'] });
  try {
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const b = batch(15, 100 + step); // odd: shards of 8 and 7, weighted by size
      const m1 = await one.step('weight', [b], [b.n], { lr: 0.1, step });
      const s = split(b, 2);
      const m2 = await two.step('weight', s.shards, s.sizes, { lr: 0.1, step });
      const pooled = m2.reduce((a, m) => a + (m.loss as number) * (m.n as number), 0) / b.n;
      assert.ok(Math.abs(pooled - (m1[0].loss as number)) < 1e-5, `step ${step}: loss ${pooled} on two workers, ${m1[0].loss} on one`);
      losses.push(m1[0].loss as number);
      await two.checkIdentical(['weight']);
    }
    assert.ok(losses.at(-1)! < losses[0], `the loss fell: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    const [w1] = await one.callAll('weights') as number[][][];
    assert.ok(w1.at(-1)!.some((x) => x !== 0), 'the running mean buffer moved');
    const [w2a, w2b] = await two.callAll('weights') as number[][][];
    assert.deepEqual(w2a, w2b);
    const diff = Math.max(...w1.flatMap((v, i) => v.map((x, j) => Math.abs(x - w2a[i][j]))));
    assert.ok(diff < 1e-5, `largest weight difference between one and two workers: ${diff}`);
  } finally {
    await one.close();
    await two.close();
  }
});

test('a replica that fails reports its worker and message; workers whose weights part are caught', async () => {
  const g = await createDataParallel<Shard, Args>({ workers: 2, replica, args: { seed: 1 }, phases: ['weight'] });
  try {
    await assert.rejects(g.callOne(1, 'nonsense'), /data-parallel worker 1: network replica: no call 'nonsense'/);
    await g.checkIdentical(['weight']);
    await g.callOne(1, 'nudge');
    await assert.rejects(g.checkIdentical(['weight']), /worker 1's weights differ from worker 0's/);
  } finally {
    await g.close();
  }
});
