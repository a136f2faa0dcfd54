/**
 * The Once-for-All supernet of a block space: every subnet it runs computes what the subnet's
 * standalone network computes with the extracted weights (training and inference mode, every op
 * of the tiny space), a step on a small subnet moves only the slices it used, and training the
 * supernet on one subnet takes the standalone network's steps (bench/data/supernet-paths.md: so a
 * supernet's slow start lies in the sampling of paths, not in its layers or the loop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildElasticSupernet, extractSubnet, selectSubnet } from '../search/space/elastic.ts';
import { loadSpace } from '../search/space/load.ts';
import type { BlockGenotype } from '../search/space/types.ts';
import { trainNetwork } from '../search/train/loop.ts';
import { createRng } from '../search/util/rng.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyBlocks } from './tiny-blocks.ts';

await initBackend();
const spacePath = writeTinyBlocks(tempDir('elastic-'));
const space = loadSpace(spacePath) as BlockSpace;

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('a subnet of the supernet computes what its extracted standalone network computes', () => {
  const net = buildElasticSupernet(space, { rng: createRng(1) });
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3);
  const rng = createRng(5);
  const ops = new Set<string>();
  const withSubnet = (g: BlockGenotype, f: (sub: ReturnType<typeof extractSubnet>) => tf.Tensor): tf.Tensor => {
    const sub = extractSubnet(space, net, g);
    try {
      assert.ok(sub.paramCount() < net.paramCount());
      return tf.tidy(() => f(sub));
    } finally {
      sub.dispose();
    }
  };
  try {
    for (let i = 0; i < 12; i++) {
      const g = space.sample(rng);
      g.stages.forEach((s) => s.layers.slice(0, s.depth).forEach((l) => ops.add(l.op === 'attention' ? l.attention! : `${l.op}`)));
      selectSubnet(net, g);
      // A training pass moves the running statistics, so that inference compares non-trivial ones.
      const trainOut = tf.tidy(() => net.forward(x, true));
      const subTrain = withSubnet(g, (sub) => sub.forward(x, true));
      // The subnet's training pass moved its own statistics; the inference pass sees the supernet's again.
      const b = withSubnet(g, (sub) => sub.forward(x, false));
      const a = tf.tidy(() => net.forward(x, false));
      assert.ok(maxAbsDiff(trainOut, subTrain) < 1e-3, `training mode, ${space.describe(g)}: ${maxAbsDiff(trainOut, subTrain)}`);
      assert.ok(maxAbsDiff(a, b) < 1e-3, `inference, ${space.describe(g)}: ${maxAbsDiff(a, b)}`);
      tf.dispose([trainOut, subTrain, a, b]);
    }
    assert.deepEqual([...ops].sort(), ['conv', 'global', 'mbconv', 'window']);
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('a step on a small subnet trains only the centre and first channels it used', () => {
  const net = buildElasticSupernet(space, { rng: createRng(1) });
  const small: BlockGenotype = {
    stages: [
      { depth: 1, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 8 }] },
      { depth: 1, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 16 }] },
    ],
  };
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3);
  try {
    selectSubnet(net, space.validate(small));
    const dw = net.variables().find((v) => v.name === 'backbone.stages.0.0.mbconv.dw.kernel')!.variable;
    const grads = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, true))) as tf.Scalar);
    const g = grads.grads[dw.name];
    const nonzero = (t: tf.Tensor): boolean => tf.tidy(() => tf.any(tf.notEqual(t, 0)).dataSync()[0] === 1);
    // dw is [7, 7, 8*6, 1] (the stem's 8 channels expanded 6 times): the centre 3x3 of the first 8*3 channels only.
    assert.deepEqual(dw.shape, [7, 7, 48, 1]);
    assert.ok(nonzero(tf.slice(g, [2, 2, 0, 0], [3, 3, 24, 1])));
    assert.ok(!nonzero(tf.slice(g, [0, 0, 0, 0], [2, 7, 48, 1])));
    assert.ok(!nonzero(tf.slice(g, [2, 2, 24, 0], [3, 3, 24, 1])));
    // Nothing off the path is reached: stage 2's second slot, its attention, stage 1's conv.
    const reached = net.variables().filter((v) => v.variable.name in grads.grads).map((v) => v.name);
    assert.ok(reached.includes('backbone.stages.1.0.mbconv.dw.kernel'));
    assert.deepEqual(reached.filter((n) => /stages\.1\.[12]\.|attention|win_attn|\.conv\.conv\./.test(n)), []);
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('trained on one subnet, the supernet takes the steps its standalone network takes', async () => {
  // The trainer's path (train/loop.ts with freezeUnreached, a subnet selected before every step)
  // against the plain loop on the extracted network: they start from the same weights and see the
  // same batches, so any gradient lost or leaked through the slices, or an optimizer slot out of
  // place, shows as a step whose loss differs. A smaller kernel, expansion and width than the
  // largest make the slices real.
  const data = loadDataset('fashion-mnist', { subset: { train: 128, val: 0, test: 0 } });
  const build = { inShape: [...data.shape], classes: data.numClasses, rng: createRng(2) };
  const [w1, w2] = [space.widths[0], space.widths[1]];
  const g = space.validate({
    stages: [
      { depth: 2, layers: [{ op: 'mbconv', kernel: 5, expand: 3, width: w1[0] }, { op: 'conv', kernel: 3, width: w1[0] }] },
      { depth: 3, layers: [{ op: 'mbconv', kernel: 5, expand: 6, width: w2.at(-1)! }, { op: 'attention', attention: 'window', width: w2.at(-1)! }, { op: 'attention', attention: 'global', width: w2.at(-1)! }] },
    ],
  });
  const net = buildElasticSupernet(space, build);
  const sub = extractSubnet(space, net, g);
  const opts = { epochs: 1, batchSize: 16, learningRate: 0.05, warmupFraction: 0.1, momentum: 0.9, weightDecay: 3e-5, clipNorm: 1, augment: null, seed: 0 };
  try {
    const standalone: number[] = [], supernet: number[] = [];
    const classifier = sub.variables().find((v) => v.name.endsWith('classifier.kernel'))!.variable;
    const initial = classifier.clone();
    await trainNetwork(sub, { ...data, val: undefined }, { ...opts, onStep: (s) => { standalone.push(s.loss); } });
    await trainNetwork(net, { ...data, val: undefined }, { ...opts, freezeUnreached: true, beforeStep: () => { selectSubnet(net, g); }, onStep: (s) => { supernet.push(s.loss); } });
    assert.equal(supernet.length, 8);
    // The steps moved the weights (equal losses of two frozen networks would prove nothing).
    assert.ok(maxAbsDiff(initial, classifier) > 1e-3);
    initial.dispose();
    supernet.forEach((l, i) => assert.ok(Math.abs(l - standalone[i]) < 1e-3, `step ${i + 1}: supernet ${l.toFixed(4)}, standalone ${standalone[i].toFixed(4)}`));
  } finally {
    sub.dispose();
    net.dispose();
  }
});
