/**
 * The training loop on a small real subset of Fashion-MNIST, on the default (wasm) backend:
 * a tiny DARTS network learns, the tensor count returns to where it was, checkpoints restore
 * the exact state, and weight decay leaves BatchNorm alone.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import type { Dataset } from '../search/data/types.ts';
import { buildCellNetwork } from '../search/nn/darts.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { trainNetwork } from '../search/train/loop.ts';
import { evaluateNetwork } from '../search/train/evaluate.ts';
import { isDecayed } from '../search/train/optimizer.ts';
import { cosineLr } from '../search/train/schedule.ts';
import type { TrainCheckpoint } from '../search/train/checkpoint.ts';
import { createRng } from '../search/util/rng.ts';

const genotype: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['skip_connect', 1], ['max_pool_3x3', 0], ['dil_conv_3x3', 2]],
  normal_concat: [2, 3],
  reduce: [['max_pool_3x3', 0], ['sep_conv_3x3', 1], ['skip_connect', 2], ['avg_pool_3x3', 1]],
  reduce_concat: [2, 3],
};

let data: Dataset;
const tinyNet = (seed: number) => buildCellNetwork(genotype, { C: 8, layers: 3, classes: 10, inShape: [28, 28, 1] }, createRng(seed));

before(async () => {
  await initBackend();
  data = loadDataset('fashion-mnist', { subset: { train: 512, val: 256, test: 0 } });
});

describe('trainNetwork', () => {
  test('a tiny DARTS net learns Fashion-MNIST (512 images, 2 epochs) and frees every tensor it made', async () => {
    const net = tinyNet(1);
    const before = tf.memory().numTensors;
    const untrained = await evaluateNetwork(net, data.val!, data);
    const steps: number[] = [];
    const result = await trainNetwork(net, data, {
      epochs: 2, batchSize: 32, learningRate: 0.05, seed: 3, onStep: (s) => steps.push(s.loss),
    });
    assert.equal(tf.memory().numTensors, before, 'tensor count after training');
    assert.equal(result.epochs.length, 2);
    assert.equal(steps.length, 2 * 16);
    const [e0, e1] = result.epochs;
    assert.ok(e1.trainLoss < e0.trainLoss, `train loss ${e0.trainLoss} -> ${e1.trainLoss}`);
    // Chance is 10%; 1,024 image presentations take this net to ~45% (3x chance is the bar).
    assert.ok(e1.valAccuracy > 0.3, `val accuracy ${e1.valAccuracy} (untrained ${untrained.accuracy})`);
    assert.ok(e1.valLoss < untrained.loss, `val loss ${untrained.loss} -> ${e1.valLoss}`);
    for (const e of result.epochs) assert.ok(e.seconds > 0 && Number.isFinite(e.seconds));
    net.dispose();
  });

  test('resuming from an epoch checkpoint reproduces the uninterrupted run', async () => {
    const opts = { epochs: 2, batchSize: 64, learningRate: 0.05, seed: 5 } as const;
    const a = tinyNet(2);
    let ckpt: TrainCheckpoint | undefined;
    const full = await trainNetwork(a, data, { ...opts, onEpoch: async (r, checkpoint) => { if (r.epoch === 0) ckpt = await checkpoint(); } });
    const b = tinyNet(99); // different initial weights: the checkpoint must overwrite them all
    const before = tf.memory().numTensors;
    const resumed = await trainNetwork(b, data, { ...opts, resume: ckpt });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(resumed.epochs.length, 1);
    assert.equal(resumed.epochs[0].epoch, 1);
    assert.ok(Math.abs(resumed.epochs[0].trainLoss - full.epochs[1].trainLoss) < 1e-4, `${resumed.epochs[0].trainLoss} vs ${full.epochs[1].trainLoss}`);
    assert.ok(Math.abs(resumed.epochs[0].valAccuracy - full.epochs[1].valAccuracy) < 1e-9);
    a.dispose();
    b.dispose();
  });

  test('Adam with decoupled decay trains too; beforeStep brackets every step', async () => {
    const net = tinyNet(4);
    let held = 0, acquired = 0, releasedAll = true;
    const losses: number[] = [];
    const result = await trainNetwork(net, { ...data, val: undefined }, {
      epochs: 2, batchSize: 64, learningRate: 0.003, optimizer: 'adam', weightDecay: 0.01, seed: 1,
      beforeStep: () => { held++; acquired++; return () => { held--; }; },
      onStep: (s) => { losses.push(s.loss); if (held !== 0) releasedAll = false; },
    });
    assert.equal(acquired, 16);
    assert.ok(releasedAll, 'the release ran before the next step');
    assert.ok(Number.isNaN(result.epochs[0].valAccuracy), 'no validation split, no validation figure');
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    assert.ok(mean(losses.slice(-4)) < mean(losses.slice(0, 4)), `loss ${losses.map((l) => l.toFixed(2))}`);
    net.dispose();
  });
});

describe('pieces', () => {
  test('cosine schedule: max at 0, midpoint halfway, min at the end', () => {
    assert.equal(cosineLr(0, 100, 0.1, 0.01), 0.1);
    assert.ok(Math.abs(cosineLr(50, 100, 0.1, 0.01) - 0.055) < 1e-12);
    assert.ok(Math.abs(cosineLr(100, 100, 0.1, 0.01) - 0.01) < 1e-12);
  });

  test('warm-up: linear up to max over its steps, then the cosine over the rest', () => {
    assert.ok(Math.abs(cosineLr(0, 110, 0.1, 0, 10) - 0.01) < 1e-12);
    assert.ok(Math.abs(cosineLr(4, 110, 0.1, 0, 10) - 0.05) < 1e-12);
    assert.equal(cosineLr(10, 110, 0.1, 0, 10), 0.1);
    assert.ok(Math.abs(cosineLr(60, 110, 0.1, 0, 10) - 0.05) < 1e-12);
    assert.equal(cosineLr(110, 110, 0.1, 0, 10), 0);
  });

  test('weight decay applies to kernels, not to BatchNorm or biases', () => {
    const net = tinyNet(0);
    const names = net.variables().map((v) => v.name);
    const decayed = names.filter(isDecayed);
    assert.ok(decayed.length > 0);
    assert.ok(decayed.every((n) => n.endsWith('.kernel')));
    assert.ok(names.some((n) => n.endsWith('.gamma')) && !names.filter((n) => n.endsWith('.gamma') || n.endsWith('.bias')).some(isDecayed));
    net.dispose();
  });
});
