/**
 * Single-path one-shot pieces without a run: a path runs and trains only its ops, has its
 * subnet's MACs, recalibrated batch norm makes a subnet's score independent of what was scored
 * before it, fair sampling trains each op of a slot once per round, checkpoint files round-trip,
 * every candidate op hands on normalised features and an op off the path does not move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadOneShotData, scoreSubnet } from '../search/evaluate/one-shot-score.ts';
import { SinglePathOp, selectPath } from '../search/nn/single-path.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace } from '../search/space/load.ts';
import { buildOneShotSupernet, pathOf } from '../search/space/one-shot.ts';
import { pathAt } from '../search/strategies/one-shot/sampling.ts';
import { readSupernetCheckpoint, writeSupernetCheckpoint } from '../search/train/supernet-checkpoint.ts';
import { saveWeights } from '../search/train/checkpoint.ts';
import { createStepper } from '../search/train/optimizer.ts';
import { createRng } from '../search/util/rng.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyCell } from './tiny-cell.ts';

await initBackend();
const dir = tempDir('oneshot-');
const spacePath = writeTinyCell(dir);
const space = loadSpace(spacePath) as CellSpace;

test('a path trains only its own ops (and the layers every path shares)', () => {
  const net = buildOneShotSupernet(space, { rng: createRng(1) });
  try {
    const g = space.sample(createRng(2));
    const path = pathOf(space, g);
    selectPath(net, path);
    const vars = net.variables();
    const x = tf.randomNormal([2, 28, 28, 1]);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x, true))) as tf.Scalar, vars.map((v) => v.variable));
    const reached = new Set(vars.filter((v) => grads[v.variable.name] !== undefined).map((v) => v.name));
    let chosen = 0;
    net.backbone.variables('backbone.').forEach(({ name }) => {
      const m = /^backbone\.cells\.(\d+)\.edges\.(\d+)\.ops\.(\d+)\./.exec(name);
      if (!m) return;
      const isReduce = [1, 2].includes(Number(m[1])); // 3 layers: cells 1 and 2 reduce
      const on = (isReduce ? path.reduce : path.normal)[Number(m[2])][Number(m[3])] > 0;
      if (on) chosen++;
      assert.equal(reached.has(name), on, `${name}: ${on ? 'on' : 'off'} the path`);
    });
    assert.ok(chosen > 0, 'the path has weighted ops');
    assert.ok(reached.has('backbone.stem.conv.kernel') && [...reached].some((n) => n.startsWith('head.')), 'stem and classifier are trained');
    tf.dispose([x, value, ...Object.values(grads)]);
  } finally {
    net.dispose();
  }
});

test('the supernet on a genotype\'s path has the MACs of the genotype\'s own network', () => {
  const net = buildOneShotSupernet(space, { rng: createRng(1) });
  try {
    for (let i = 0; i < 5; i++) {
      const g = space.sample(createRng(10 + i));
      selectPath(net, pathOf(space, g));
      const own = buildNetwork(space, g);
      assert.equal(net.flops(), own.flops(), space.describe(g));
      own.dispose();
    }
  } finally {
    net.dispose();
  }
});

test('recalibrated batch norm: a subnet scores the same whatever was scored before it', async () => {
  const net = buildOneShotSupernet(space, { rng: createRng(3) });
  const data = loadOneShotData({ dataset: 'fashion-mnist', calibrationImages: 64, scoredImages: 64 });
  try {
    const [a, b] = [space.sample(createRng(4)), space.sample(createRng(5))];
    const tensors = tf.memory().numTensors;
    const first = await scoreSubnet(net, space, a, data);
    // A sign of life per batch: 64 calibration images are one batch of 64, 64 scored images one of 256.
    let beats = 0;
    await scoreSubnet(net, space, b, data, () => { beats++; });
    assert.equal(beats, 2);
    const again = await scoreSubnet(net, space, a, data);
    assert.equal(tf.memory().numTensors, tensors, 'scoring leaves no tensors behind');
    assert.equal(again.loss, first.loss);
    assert.equal(again.accuracy, first.accuracy);
    assert.ok(first.accuracy >= 0 && first.accuracy <= 1);
  } finally {
    net.dispose();
  }
});

test('fair sampling trains every op of an edge slot exactly once in each round of m steps', () => {
  const ops = space.def.cell.ops.filter((o) => o !== 'none');
  for (let round = 0; round < 3; round++) {
    const paths = Array.from({ length: ops.length }, (_, i) => pathAt(space, { seed: 7, sampling: 'fair' }, round * ops.length + i));
    for (const half of ['normal', 'reduce'] as const) {
      for (let e = 0; e < paths[0][half].length; e++) assert.deepEqual(paths.map((p) => p[half][e][0]).sort(), [...ops].sort());
    }
  }
  assert.deepEqual(pathAt(space, { seed: 7, sampling: 'uniform' }, 3), pathAt(space, { seed: 7, sampling: 'uniform' }, 3), 'a path is a function of seed and step');
});

test('a supernet checkpoint file round-trips, and a truncated one is an error naming it', () => {
  const net = buildOneShotSupernet(space, { rng: createRng(1) });
  try {
    const path = join(dir, 'epoch-1.ckpt');
    const owner = { spaceName: space.name, spaceHash: space.hash, dataset: 'fashion-mnist' };
    const weights = saveWeights(net);
    writeSupernetCheckpoint(path, { owner, train: { epoch: 1, step: 5, weights, optimizer: { kind: 'momentum', slots: weights.slice(0, 2) } } });
    const back = readSupernetCheckpoint(path);
    assert.deepEqual(back.owner, owner);
    assert.equal(back.train.step, 5);
    assert.deepEqual(back.train.weights.map((w) => w.name), weights.map((w) => w.name));
    assert.deepEqual(back.train.weights[3].values, weights[3].values);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 8));
    assert.throws(() => readSupernetCheckpoint(path), /epoch-1\.ckpt: expected \d+ bytes of values, found \d+/);
  } finally {
    net.dispose();
  }
});

test('a pool on the path hands on batch-normalised features, as the conv ops do', () => {
  const edge = new SinglePathOp(['max_pool_3x3', 'avg_pool_3x3', 'sep_conv_3x3'], 4, 1, createRng(1));
  try {
    // Inputs far from normalised (mean 3): without its own batch norm a pool would pass that on.
    const x = tf.add(tf.randomNormal([8, 6, 6, 4], 0, 2, 'float32', 5), 3);
    for (const k of [0, 1, 2]) {
      edge.select([0, 1, 2].map((i) => (i === k ? 1 : 0)));
      const { mean, variance } = tf.tidy(() => tf.moments(edge.forward(x, true), [0, 1, 2]));
      const [m, v] = [mean.arraySync() as number[], variance.arraySync() as number[]];
      m.forEach((c) => assert.ok(Math.abs(c) < 1e-3, `op ${k}: channel mean ${c}`));
      v.forEach((c) => assert.ok(Math.abs(c - 1) < 0.05, `op ${k}: channel variance ${c}`));
      tf.dispose([mean, variance]);
    }
    x.dispose();
  } finally {
    edge.dispose();
  }
});

test('an op off the path stays where it is: no stale momentum, no weight decay', () => {
  for (const freezeUnreached of [true, false]) {
    const on = tf.variable(tf.ones([3]), true, `on-${freezeUnreached}`), off = tf.variable(tf.ones([3]), true, `off-${freezeUnreached}`);
    const vars = [{ name: 'a.kernel', variable: on }, { name: 'b.kernel', variable: off }];
    const stepper = createStepper(vars, { kind: 'momentum', learningRate: 0.1, weightDecay: 0.01, freezeUnreached });
    const grad = () => tf.fill([3], 0.5);
    const both = { [on.name]: grad(), [off.name]: grad() };
    stepper.step(both, 0.1);
    const before = off.dataSync().slice();
    const onlyOn = { [on.name]: grad() };
    stepper.step(onlyOn, 0.1);
    const moved = off.dataSync().some((v, i) => v !== before[i]);
    assert.equal(moved, !freezeUnreached, freezeUnreached ? 'frozen: the unreached variable is left as it was' : 'by default momentum carries it on');
    assert.ok(on.dataSync()[0] < before[0], 'the reached variable keeps training');
    tf.dispose([...Object.values(both), ...Object.values(onlyOn), on, off]);
    stepper.dispose();
  }
});
