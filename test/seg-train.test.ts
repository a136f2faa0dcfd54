/**
 * Segmentation loss, metrics, spaces and training on the default (wasm) backend: ignored pixels
 * get no gradient, a perfect prediction has mIoU 1, segmentation spaces sample/mutate/cross
 * their head choice and build [b,H,W,classes] networks and supernets, and a tiny network's loss
 * falls on context scenes.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createConfusion, meanIoU, pixelAccuracy } from '../search/data/metrics.ts';
import { loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { addLogitsToConfusion, segmentationLoss } from '../search/evaluate/seg-loss.ts';
import { evaluateSegmentation, trainSegmentation } from '../search/evaluate/seg-train.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork, buildSupernet } from '../search/space/build.ts';
import type { BlockGenotype, CellGenotype, Space } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';

before(async () => { await initBackend(); });

describe('segmentation loss and metrics', () => {
  const labels = Int32Array.from([0, 2, 255, 1, 255, 2]);
  const logitsData = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i * 1.7) * 2);

  test('mean cross-entropy over counted pixels equals tf\'s loss on those pixels alone', () => {
    const logits = tf.tensor4d(logitsData, [1, 2, 3, 3]);
    const ours = segmentationLoss(logits, labels, 255);
    const keep = [0, 1, 3, 5];
    const ref = tf.tidy(() => tf.losses.softmaxCrossEntropy(
      tf.tensor2d(keep.map((i) => [0, 1, 2].map((k) => (k === labels[i] ? 1 : 0)))),
      tf.gather(tf.reshape(logits, [6, 3]), keep)));
    assert.ok(Math.abs(ours.dataSync()[0] - ref.dataSync()[0]) < 1e-5);
    tf.dispose([logits, ours, ref]);
  });

  test('the gradient is zero at ignored pixels and not elsewhere', () => {
    const logits = tf.tensor4d(logitsData, [1, 2, 3, 3]);
    const g = tf.grad((z: tf.Tensor) => segmentationLoss(z, labels, 255))(logits);
    const grad = g.dataSync();
    for (let p = 0; p < 6; p++) {
      const norm = Math.hypot(grad[3 * p], grad[3 * p + 1], grad[3 * p + 2]);
      if (labels[p] === 255) assert.equal(norm, 0, `pixel ${p}`);
      else assert.ok(norm > 1e-4, `pixel ${p}`);
    }
    tf.dispose([logits, g]);
  });

  test('a perfect prediction has mIoU 1 and pixel accuracy 1, whatever it says at ignored pixels', async () => {
    const oneHot = new Float32Array(18);
    labels.forEach((t, i) => { oneHot[3 * i + (t === 255 ? 1 : t)] = 5; });
    const logits = tf.tensor4d(oneHot, [1, 2, 3, 3]);
    const conf = await addLogitsToConfusion(createConfusion(3), logits, labels, 255);
    assert.equal(meanIoU(conf), 1);
    assert.equal(pixelAccuracy(conf), 1);
    logits.dispose();
    const wrong = tf.tensor4d(Float32Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [1, 2, 3, 3]);
    assert.ok(meanIoU(await addLogitsToConfusion(createConfusion(3), wrong, labels, 255)) < 0.5);
    wrong.dispose();
  });
});

describe('segmentation spaces', () => {
  for (const name of ['seg-cells', 'seg-blocks']) {
    test(`${name}: genotypes carry head and spatial path through sample, mutate, crossover and key; networks give per-pixel logits from 1/4..1/32 features`, () => {
      const loaded = loadSpace(resolveSpacePath(name));
      const space = loaded as unknown as Space<CellGenotype | BlockGenotype>;
      const rng = createRng(1);
      const heads = new Set<string>();
      let g = space.sample(rng);
      let choiceMutations = 0;
      for (let i = 0; i < 30; i++) {
        const child = space.mutate(g, rng);
        assert.notEqual(space.key(child), space.key(g));
        space.validate(space.crossover(g, child, rng));
        if (child.head !== g.head || child.spatialPath !== g.spatialPath) choiceMutations++;
        g = child;
      }
      for (let i = 0; i < 200; i++) heads.add(`${space.sample(rng).head}/${space.sample(rng).spatialPath}`);
      assert.ok(choiceMutations > 0 && choiceMutations < 30, `${choiceMutations} of 30 mutations changed head or path`);
      const seg = loaded.def.segmentation!;
      assert.equal(heads.size, seg.heads.length * seg.spatialPath.length, [...heads].join(' '));
      assert.notEqual(space.key({ ...g, head: 'ppm' }), space.key({ ...g, head: 'fpn' }));
      assert.throws(() => space.validate({ ...g, head: 'classifier' }, 'g.json'), /g\.json.*head/);
      const net = buildNetwork(loaded, { ...g, head: 'fpn', spatialPath: false, ...(seg.outputStride.length > 1 ? { outputStride: 32 } : {}) }, { classes: 5 });
      assert.deepEqual(net.backbone.featureShapes([64, 64, 1]).map((s) => 64 / s[0]), [4, 8, 16, 32]);
      const before = tf.memory().numTensors;
      const x = tf.zeros([2, 64, 64, 1]);
      const y = net.forward(x, false);
      assert.deepEqual(y.shape, [2, 64, 64, 5]);
      tf.dispose([x, y]);
      assert.equal(tf.memory().numTensors, before);
      net.dispose();
    });
  }

  test('seg-cells: the DARTS supernet takes mixing weights and gives per-pixel logits', () => {
    const space = loadSpace(resolveSpacePath('seg-cells'));
    if (space.family !== 'cell') throw new Error('seg-cells is a cell space');
    const net = buildSupernet(space, { classes: 5, head: 'ppm' } as Parameters<typeof buildSupernet>[1]);
    const alpha = tf.variable(tf.zeros([9, space.def.cell.ops.length]));
    const x = tf.randomNormal([2, 64, 64, 1], 0, 1, 'float32', 1);
    const g = tf.grad((a: tf.Tensor) => tf.mean(tf.square(net.forward(x, true, { normal: tf.softmax(a), reduce: tf.softmax(a) }))))(alpha);
    assert.ok(Math.max(...g.abs().dataSync()) > 0);
    tf.dispose([alpha, x, g]);
    net.dispose();
  });
});

describe('trainSegmentation', () => {
  test('a tiny block network with a pyramid pooling head trains a few steps on context scenes and its loss falls', async () => {
    const data = loadSceneDataset({ variant: 'context', counts: { train: 32, val: 8, test: 0 }, seed: 2 });
    const space = loadSpace(resolveSpacePath('seg-blocks'));
    const layer = (s: number, width: number) => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
    const g: BlockGenotype = { stages: [16, 24, 40, 64].map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head: 'ppm', spatialPath: false };
    const net = buildNetwork(space, g, { classes: data.numClasses, rng: createRng(4) });
    const tensors = tf.memory().numTensors;
    const untrained = await evaluateSegmentation(net, data.train, data);
    const result = await trainSegmentation(net, data, { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 1 });
    const trained = await evaluateSegmentation(net, data.train, data);
    assert.equal(result.steps, 12);
    assert.ok(trained.loss < 0.8 * untrained.loss, `loss ${untrained.loss} -> ${trained.loss}`);
    assert.ok(trained.pixelAccuracy > untrained.pixelAccuracy);
    assert.ok(result.epochs.every((e) => e.valMiou >= 0 && e.valMiou <= 1));
    assert.equal(tf.memory().numTensors, tensors);
    net.dispose();
  });
});
