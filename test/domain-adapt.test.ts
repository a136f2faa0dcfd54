/**
 * Domain adaptation on tiny real inputs: the gradient reversal layer reverses the gradient (checked
 * against finite differences), its coefficient ramps, adversarial alignment and self-training train
 * a small seg-blocks network on scenes-domain without leaking tensors, pseudo-labels keep only
 * confident pixels, and target labels reach nothing but the score.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDomainShift, type DomainShiftData } from '../search/data/segmentation/domain-shift.ts';
import { reverseGradient, reversalCoefficient } from '../search/nn/gradient-reversal.ts';
import { trainAdversarial } from '../search/evaluate/domain/adversarial.ts';
import { pseudoLabels } from '../search/evaluate/domain/self-training.ts';
import { evaluateDomainShiftJob, type Adapt } from '../search/evaluate/domain-shift.ts';
import { decodeMask } from '../search/contracts/seg-preview.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { BlockGenotype } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';

let data: DomainShiftData;
before(async () => {
  await initBackend();
  data = loadDomainShift({ counts: { train: 16, val: 6 }, seed: 5 });
});

const space = loadSpace(resolveSpacePath('seg-blocks'));
const layer = (s: number, width: number) => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
const genotype: BlockGenotype = { stages: [16, 24, 40, 64].map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head: 'fpn', spatialPath: false };
const tiny = () => buildNetwork(space, genotype, { classes: 11, rng: createRng(3) });

describe('gradient reversal', () => {
  test('forward is the identity; the gradient is -coefficient times the finite-difference gradient', () => {
    const xs = [0.3, -1.2, 0.7, 2.0];
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sin(x), tf.tensor1d([1, 2, -1, 0.5])));
    const x = tf.tensor1d(xs);
    const y = reverseGradient(x, 0.4);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
    const g = tf.grad((v: tf.Tensor) => f(reverseGradient(v, 0.4)))(x).dataSync();
    const h = 1e-2;
    xs.forEach((_, i) => {
      const at = (d: number) => tf.tidy(() => f(tf.tensor1d(xs.map((v, j) => (j === i ? v + d : v)))).dataSync()[0]);
      const numeric = (at(h) - at(-h)) / (2 * h);
      assert.ok(Math.abs(g[i] - -0.4 * numeric) < 1e-3, `element ${i}: ${g[i]} vs ${-0.4 * numeric}`);
    });
    tf.dispose([x, y]);
  });

  test('the coefficient ramps from 0 at the start to nearly its maximum at the end, and never decreases', () => {
    assert.equal(reversalCoefficient(0, 0.5), 0);
    const ramp = [0, 0.1, 0.3, 0.6, 1].map((p) => reversalCoefficient(p, 0.5));
    for (let i = 1; i < ramp.length; i++) assert.ok(ramp[i] > ramp[i - 1]);
    assert.ok(ramp.at(-1)! > 0.49 && ramp.at(-1)! < 0.5);
  });
});

describe('adaptation training', () => {
  test('adversarial alignment trains the network and its discriminator; its loss is near ln 2 early, and no tensor leaks', async () => {
    const net = tiny();
    const tensors = tf.memory().numTensors;
    const before = net.variables().map((v) => v.variable.dataSync().slice());
    const r = await trainAdversarial(net, data.source, data.target.train, { epochs: 2, batchSize: 4, learningRate: 0.003, seed: 1, weight: 0.5 });
    assert.equal(r.steps, 8);
    assert.ok(r.epochs.every((e) => Number.isFinite(e.trainLoss) && e.domainLoss > 0.2 && e.domainLoss < 1.5), JSON.stringify(r.epochs));
    assert.ok(net.variables().some((v, i) => v.variable.dataSync().some((x, j) => x !== before[i][j])));
    assert.equal(tf.memory().numTensors, tensors);
    net.dispose();
  });

  test('pseudo-labels keep exactly the pixels at or above the threshold', async () => {
    const net = tiny();
    const all = await pseudoLabels(net, data.target.train, data.source, 0);
    const none = await pseudoLabels(net, data.target.train, data.source, 1.01);
    const some = await pseudoLabels(net, data.target.train, data.source, 0.2);
    assert.equal(all.keptFraction, 1);
    assert.ok(all.masks.every((m) => m < 11));
    assert.ok(none.masks.every((m) => m === 255) && none.keptFraction === 0);
    some.masks.forEach((m, i) => assert.ok(m === 255 || m === all.masks[i]));
    net.dispose();
  });
});

describe('domain-shift evaluation', () => {
  const job = (): EvalJob => ({
    runId: 1, candidateId: 1, key: 'k', spaceDef: space.def, genotype, task: 'segmentation', dataset: 'scenes-domain',
    budget: { epochs: 1, trainImages: 16, valImages: 6, batchSize: 4, learningRate: 0.003 }, latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed: 2,
  });
  const methods: Adapt[] = [{ method: 'adversarial', weight: 0.5 }, { method: 'self-training', threshold: 0.5, rounds: 1, roundEpochs: 1 }];
  for (const adapt of methods) {
    test(`${adapt.method}: other target masks change target_miou only, never what the network learnt`, async () => {
      const scrambled: DomainShiftData = { ...data, target: { ...data.target, val: { ...data.target.val, masks: data.target.val.masks.map((m) => (m === 255 ? m : (m + 3) % 11)) } } };
      const a = await evaluateDomainShiftJob(job(), adapt, { data });
      const b = await evaluateDomainShiftJob(job(), adapt, { data: scrambled });
      assert.equal(a.metrics.miou, b.metrics.miou);
      assert.notEqual(a.metrics.target_miou, b.metrics.target_miou);
      assert.ok(Math.abs(a.metrics.domain_gap! - (a.metrics.miou! - a.metrics.target_miou!)) < 1e-12);
      const predicted = (r: typeof a) => (r.extra!.domain as { target: { samples: { predicted: string }[] } }).target.samples.map((s) => decodeMask(s.predicted));
      assert.deepEqual(predicted(a), predicted(b));
    });
  }
});
