/** DARTS pieces without a search: derivation, collapse detection, the latency term, beta-decay and the two data halves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { deriveGenotype, deriveHalf } from '../search/strategies/darts/derive.ts';
import { detectCollapse } from '../search/strategies/darts/collapse.ts';
import { expectedLatency, genotypeLatency, latencyAwareLoss, uniformLatency, type LatencyMatrices } from '../search/strategies/darts/latency.ts';
import { betaDecay } from '../search/strategies/darts/remedies.ts';
import { createArchParams } from '../search/strategies/darts/arch.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { createRng } from '../search/util/rng.ts';
import type { CellGenotype } from '../search/space/types.ts';

await tf.setBackend('cpu');

const OPS = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];

test('derivation keeps, per node, the two edges whose strongest non-none op is strongest', () => {
  // 2 nodes: node 0 has edges from 0, 1; node 1 from 0, 1, 2.
  const w = [
    [0.1, 0.2, 0.3, 0.4], // 0 -> node 2: sep 0.4
    [0.1, 0.6, 0.2, 0.1], // 1 -> node 2: max_pool 0.6
    [0.7, 0.1, 0.1, 0.1], // 0 -> node 3: none dominates, best real op only 0.1
    [0.2, 0.2, 0.5, 0.1], // 1 -> node 3: skip 0.5
    [0.1, 0.1, 0.2, 0.6], // 2 -> node 3: sep 0.6
  ];
  assert.deepEqual(deriveHalf(w, OPS, 2), [['sep_conv_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 1], ['sep_conv_3x3', 2]]);
});

test('derivation never picks none, even on an edge where none has all the weight', () => {
  const w = [[1, 0, 0, 0], [0.97, 0.01, 0.01, 0.01], [0.9, 0.05, 0.0, 0.05], [0.9, 0, 0.1, 0], [1, 0, 0, 0]];
  const edges = deriveHalf(w, OPS, 2);
  assert.ok(edges.every(([op]) => op !== 'none'), JSON.stringify(edges));
  // node 3: the edge from 1 (skip 0.1) beats 0 (0.05) and 2 (0): none's 0.9 and 1.0 do not count.
  assert.deepEqual(edges.slice(2), [['max_pool_3x3', 0], ['skip_connect', 1]]);
});

test('derivation ties: earlier input first, then the earlier op in the space order', () => {
  const flat = [0.25, 0.25, 0.25, 0.25];
  const edges = deriveHalf([flat, flat, flat, flat, flat], OPS, 2);
  assert.deepEqual(edges, [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['max_pool_3x3', 1]]);
});

test('derivation rejects weights of the wrong shape and gives both cells with full concat', () => {
  assert.throws(() => deriveHalf([[1, 2, 3, 4]], OPS, 2), /5 edge rows/);
  assert.throws(() => deriveHalf([[1], [1], [1], [1], [1]], OPS, 2), /1 weights for 4 ops/);
  const row = [0, 0, 0, 1];
  const g = deriveGenotype([row, row, row, row, row], [row, row, row, row, row], OPS, 2);
  assert.deepEqual(g.normal_concat, [2, 3]);
  assert.deepEqual(g.reduce_concat, [2, 3]);
});

const cell = (normal: string[]): CellGenotype => ({
  normal: normal.map((op, i): [string, number] => [op, i % 2]), normal_concat: [2, 3, 4],
  reduce: normal.map((_, i): [string, number] => ['sep_conv_3x3', i % 2]), reduce_concat: [2, 3, 4],
});

test('collapse detector: half or more parameter-free normal edges is collapse; the reduce cell does not count', () => {
  const healthy = detectCollapse(cell(['sep_conv_3x3', 'skip_connect', 'dil_conv_3x3', 'sep_conv_5x5', 'max_pool_3x3', 'sep_conv_3x3']));
  assert.equal(healthy.collapsed, false);
  assert.equal(healthy.parameterFree, 2);
  const collapsed = detectCollapse(cell(['skip_connect', 'skip_connect', 'sep_conv_3x3', 'avg_pool_3x3', 'sep_conv_5x5', 'dil_conv_3x3']));
  assert.equal(collapsed.collapsed, true);
  assert.deepEqual(collapsed.ops, { skip_connect: 2, avg_pool_3x3: 1 });
  const strict = detectCollapse(cell(['skip_connect', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3']), 0.1);
  assert.equal(strict.collapsed, true);
  const reduceOnly = cell(['sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3']);
  reduceOnly.reduce = reduceOnly.reduce.map(([, i]) => ['skip_connect', i]);
  assert.equal(detectCollapse(reduceOnly).collapsed, false);
});

// One cell type with 2 edges over [none, pool, sep]; sep is slow.
const LAT: LatencyMatrices = { normal: [[0, 0.1, 2], [0, 0.1, 2]], reduce: [[0, 0.2, 3], [0, 0.2, 3]] };

for (const form of ['linear', 'multiplicative'] as const) {
  test(`latency loss (${form}): raising the alpha of a slow op raises the loss; the gradient pushes it down`, () => {
    const alpha = tf.variable(tf.zeros([2, 3]));
    const reduce = tf.zeros([2, 3]);
    const ce = tf.scalar(1.5);
    const loss = (): tf.Scalar => latencyAwareLoss(ce, expectedLatency({ normal: tf.softmax(alpha), reduce: tf.softmax(reduce) }, LAT), { weight: 0.5, form }, uniformLatency(LAT));
    const before = tf.tidy(() => loss().dataSync()[0]);
    const { grads } = tf.variableGrads(loss, [alpha]);
    const g = grads[alpha.name].arraySync() as number[][];
    // sep (slow) gets a positive gradient, none (free) a negative one: descent moves weight off sep.
    assert.ok(g[0][2] > 0 && g[0][0] < 0, JSON.stringify(g));
    alpha.assign(tf.tensor2d([[0, 0, 1], [0, 0, 0]]));
    const after = tf.tidy(() => loss().dataSync()[0]);
    assert.ok(after > before, `${after} > ${before}`);
    tf.dispose([alpha, reduce, ce, ...Object.values(grads)]);
  });
}

test('latency loss with a target: no penalty below it, a penalty above it', () => {
  tf.tidy(() => {
    const ce = tf.scalar(1);
    const cfg = { weight: 1, form: 'linear' as const, targetMs: 5 };
    assert.equal(latencyAwareLoss(ce, tf.scalar(4), cfg, 1).dataSync()[0], 1);
    assert.ok(Math.abs(latencyAwareLoss(ce, tf.scalar(6), cfg, 1).dataSync()[0] - 1.2) < 1e-6);
  });
});

test('expected latency at uniform weights equals the uniform-latency scale', () => {
  const v = tf.tidy(() => expectedLatency({ normal: tf.fill([2, 3], 1 / 3), reduce: tf.fill([2, 3], 1 / 3) }, LAT).dataSync()[0]);
  assert.ok(Math.abs(v - uniformLatency(LAT)) < 1e-5);
});

test('genotype latency reads each derived edge at its supernet row: with the weights as the table, it sums each node\'s two strongest edges', () => {
  const ops = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];
  const rng = createRng(7);
  const w = (): number[][] => Array.from({ length: 9 }, () => ops.map(() => rng.next()));
  const lat: LatencyMatrices = { normal: w(), reduce: w() };
  const g = deriveGenotype(lat.normal, lat.reduce, ops, 3);
  // Per node (rows 0-1, 2-4, 5-8): each row's best op other than none, the two best rows summed.
  const topTwo = (m: number[][]): number => [[0, 2], [2, 5], [5, 9]].reduce((s, [from, to]) => {
    const best = m.slice(from, to).map((r) => Math.max(...r.slice(1))).sort((x, y) => y - x);
    return s + best[0] + best[1];
  }, 0);
  assert.ok(Math.abs(genotypeLatency(g, lat, ops) - (topTwo(lat.normal) + topTwo(lat.reduce))) < 1e-12);
  assert.throws(() => genotypeLatency({ ...g, normal: [...g.normal, ['sep_conv_3x3', 0], ['sep_conv_3x3', 1]] }, lat, ops), /normal edge 6/);
});

test('beta-decay: its gradient is the softmax, pulling the leading alpha down hardest', () => {
  const arch = createArchParams(OPS, 2, createRng(1));
  arch.normal.assign(tf.tensor2d([[0, 0, 3, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]));
  const { grads } = tf.variableGrads(() => betaDecay(arch), [arch.normal]);
  const g = grads[arch.normal.name].arraySync() as number[][];
  assert.ok(g[0][2] > g[0][0] && g[0][2] > 0, JSON.stringify(g[0]));
  const rowSum = g[1].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(rowSum - 1 / 5) < 1e-5, `each row's gradient sums to 1/edges, got ${rowSum}`);
  tf.dispose(Object.values(grads));
  arch.dispose();
});

test('the two halves a search reads are disjoint: no image of the architecture half is in the weight half', () => {
  const c = dartsConfig({ trainImages: 128, valImages: 128, batchSize: 32, augment: false });
  const data = loadDartsData(c, 'classification');
  const images = (half: 'train' | 'val'): Set<string> => {
    const seen = new Set<string>();
    const b = data.batches(half, 0);
    for (let i = 0; i < b.perEpoch; i++) {
      const batch = b.next();
      const x = batch.x.dataSync();
      const size = x.length / batch.x.shape[0];
      for (let k = 0; k < batch.x.shape[0]; k++) seen.add(Array.from(x.subarray(k * size, (k + 1) * size), (v) => v.toFixed(4)).join(','));
      disposeBatch(batch);
    }
    return seen;
  };
  const train = images('train'), val = images('val');
  assert.equal(train.size, 128);
  assert.equal(val.size, 128);
  assert.equal([...val].filter((x) => train.has(x)).length, 0);
});
