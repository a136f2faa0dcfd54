import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';
import { Sequential, type Shape } from '../search/nn/module.ts';
import { Conv2d, ReLU } from '../search/nn/layers.ts';
import { ClassifierHead } from '../search/nn/heads.ts';
import { Backbone, Network, type BackboneOutput } from '../search/nn/network.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { PROXIES, proxyByName, type ProxyBatch, type ProxyScore } from '../search/evaluate/zero-cost/index.ts';
import { scoreNetwork } from '../search/evaluate/zero-cost/score.ts';
import { metricDef, runQuality, zeroCostMetric } from '../search/contracts/metrics.ts';
import { logAbsDet } from '../search/evaluate/zero-cost/naswot.ts';
import { symmetricEigenvalues } from '../search/util/eigen.ts';
import { classificationBatch, segmentationBatch } from '../search/evaluate/zero-cost/batch.ts';

// wasm, as searches run by default: the cpu backend takes minutes over the five space families.
await initBackend({ backend: 'wasm' });

/** A backbone of chained layers, the deepest map its only feature. */
class ChainBackbone extends Backbone {
  readonly kind = 'test_chain';
  readonly config = {};
  private readonly body: Sequential;
  constructor(body: Sequential) {
    super();
    this.body = this.addChild('body', body);
  }
  run(x: tf.Tensor, training: boolean): BackboneOutput { return { features: [this.body.forward(x, training)] }; }
  featureShapes(s: Shape): Shape[] { return [this.body.outputShape(s)]; }
  auxShape(): undefined { return undefined; }
  flops(s: Shape): number { return this.body.flops(s); }
}

/** Layers, then global pool and a dense classifier; `weights` sets variables by name (e.g. `backbone.body.0.kernel`). */
function tinyNet(layers: [string, Conv2d | ReLU][], inShape: Shape, classes: number, weights: Record<string, number[]>): Network {
  const rng = createRng(0);
  const body = new Sequential(layers);
  const cout = body.outputShape(inShape)[2];
  const net = new Network({ task: 'classification', classes, inShape }, new ChainBackbone(body), new ClassifierHead(cout, classes, rng));
  const vars = new Map(net.variables().map((v) => [v.name, v.variable]));
  for (const [name, values] of Object.entries(weights)) {
    const v = vars.get(name);
    assert.ok(v, `no variable ${name} (have ${[...vars.keys()]})`);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
  return net;
}

const value = (s: ProxyScore): number => {
  assert.ok('value' in s, `expected a value, got ${JSON.stringify(s)}`);
  return s.value;
};

const proxies = (...names: string[]) => names.map(proxyByName);

test('synflow of conv 1x1 -> relu -> pool -> dense is 2R, R the all-ones output sum, with |weights|; weights come back', () => {
  // Conv kernel (a, b) = (0.5, -2), dense [[1, -3, 2], [0.25, 1, -1]]: R = a·(1+3+2) + b·(0.25+1+1) = 3 + 4.5.
  const net = tinyNet([['0', new Conv2d(1, 2, 1, createRng(0))], ['1', new ReLU()]], [2, 2, 1], 3, {
    'backbone.body.0.kernel': [0.5, -2],
    'head.classifier.kernel': [1, -3, 2, 0.25, 1, -1],
  });
  const before = net.variables().map((v) => Array.from(v.variable.dataSync()));
  const r = 0.5 * 6 + 2 * 2.25;
  // Each layer's kernel enters R linearly, so its sum of w·∂R/∂w is R (Euler); two layers.
  assert.ok(Math.abs(value(scoreNetwork(net, proxies('synflow')).synflow) - 2 * r) < 1e-4);
  assert.deepEqual(net.variables().map((v) => Array.from(v.variable.dataSync())), before);
  net.dispose();
});

test('synflow beyond float32: a chain of 1x1 convs of weight 256 gives (L+1)·256^L, exact through the rescaling', () => {
  for (const L of [12, 20]) { // R = 2^96 (in range, rescaled for safe sums), 2^160 (overflows float32 at input 1)
    const layers: [string, Conv2d][] = Array.from({ length: L }, (_, i) => [String(i), new Conv2d(1, 1, 1, createRng(i))]);
    const weights = Object.fromEntries(layers.map(([n]) => [`backbone.body.${n}.kernel`, [256]]));
    const net = tinyNet(layers, [2, 2, 1], 1, { ...weights, 'head.classifier.kernel': [1] });
    const expected = (L + 1) * 2 ** (8 * L);
    const got = value(scoreNetwork(net, proxies('synflow')).synflow);
    assert.ok(Math.abs(got / expected - 1) < 1e-4, `L=${L}: ${got} vs ${expected}`);
    net.dispose();
  }
});

test('params and flops baselines are the network\'s counts', () => {
  const net = tinyNet([['0', new Conv2d(1, 2, 1, createRng(0))], ['1', new ReLU()]], [2, 2, 1], 3, {});
  const s = scoreNetwork(net, proxies('params', 'flops'));
  assert.equal(value(s.params), 2 + 2 * 3 + 3); // conv kernel, dense kernel and bias
  assert.equal(value(s.flops), 2 * 2 * 2 + 2 * 3); // 2x2 pixels x 2 channels, then 2 -> 3
  net.dispose();
});

test('NASWOT is log|det K| of the agreement counts of the ReLU codes', () => {
  // Units (x1, x2, x1 - x2) after a ReLU; images (1,0), (0,1), (1,1) give codes 101, 010, 110.
  const net = tinyNet([['0', new Conv2d(2, 3, 1, createRng(0))], ['1', new ReLU()]], [1, 1, 2], 2, {
    'backbone.body.0.kernel': [1, 0, 1, 0, 1, -1],
  });
  const x = tf.tensor4d([1, 0, 0, 1, 1, 1], [3, 1, 1, 2]);
  const batch: ProxyBatch = { x, loss: () => { throw new Error('NASWOT reads no loss'); } };
  // K = [[3,0,1],[0,3,2],[1,2,3]], det 3·(9-4) + 1·(0-3) = 12.
  assert.ok(Math.abs(value(scoreNetwork(net, proxies('naswot'), batch).naswot) - Math.log(12)) < 1e-9);
  // Identical images share every code: K is singular, and the proxy says so.
  const same = tf.tensor4d([1, 0, 1, 0], [2, 1, 1, 2]);
  const s = scoreNetwork(net, proxies('naswot'), { x: same, loss: batch.loss }).naswot;
  assert.ok('undefined' in s && /singular/.test(s.undefined));
  tf.dispose([x, same]);
  net.dispose();
});

test('logAbsDet matches hand determinants, pivoting included', () => {
  assert.ok(Math.abs(logAbsDet(Float64Array.from([0, 2, 3, 0]), 2) - Math.log(6)) < 1e-12);
  assert.equal(logAbsDet(Float64Array.from([1, 2, 2, 4]), 2), -Infinity);
});

test('jacob_cov is -sum(log(v+k) + 1/(v+k)) over the eigenvalues of the input-gradient correlations', () => {
  // conv 1x1 = identity on 3 channels, ReLU, dense (1, 2, 3): image i's gradient is (1, 2, 3) masked by its ReLU code.
  const net = tinyNet([['0', new Conv2d(3, 3, 1, createRng(0))], ['1', new ReLU()]], [1, 1, 3], 1, {
    'backbone.body.0.kernel': [1, 0, 0, 0, 1, 0, 0, 0, 1],
    'head.classifier.kernel': [1, 2, 3],
  });
  const noLoss = () => { throw new Error('jacob_cov reads no loss'); };
  // Codes 110 and 011: gradients (1, 2, 0) and (0, 2, 3), whose correlation is -3/sqrt(84); C's eigenvalues are 1 ± rho.
  const x = tf.tensor4d([1, 1, -1, -1, 1, 1], [2, 1, 1, 3]);
  const rho = -3 / Math.sqrt(84);
  const expected = -[1 + rho, 1 - rho].reduce((t, v) => t + Math.log(v + 1e-5) + 1 / (v + 1e-5), 0);
  const got = value(scoreNetwork(net, proxies('jacob_cov'), { x, loss: noLoss }).jacob_cov);
  assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
  // An image with every unit off has a zero gradient: no correlation, and the proxy says which image.
  const dark = tf.tensor4d([1, 1, -1, -1, -1, -1], [2, 1, 1, 3]);
  const s = scoreNetwork(net, proxies('jacob_cov'), { x: dark, loss: noLoss }).jacob_cov;
  assert.ok('undefined' in s && /image 1 is constant/.test(s.undefined), JSON.stringify(s));
  const one = tf.tensor4d([1, 1, -1], [1, 1, 1, 3]);
  const single = scoreNetwork(net, proxies('jacob_cov'), { x: one, loss: noLoss }).jacob_cov;
  assert.ok('undefined' in single && /at least 2/.test(single.undefined));
  tf.dispose([x, dark, one]);
  net.dispose();
});

test('symmetricEigenvalues: the 2x2 closed form, and trace and determinant of a 4x4', () => {
  const [a, b, d] = [2, -1.5, 0.5];
  const mid = (a + d) / 2, r = Math.sqrt(((a - d) / 2) ** 2 + b * b);
  const two = [...symmetricEigenvalues([a, b, b, d], 2)].sort((u, v) => u - v);
  assert.ok(Math.abs(two[0] - (mid - r)) < 1e-12 && Math.abs(two[1] - (mid + r)) < 1e-12, String(two));
  const m = [4, 1, -2, 0.5, 1, 3, 0, 1, -2, 0, 5, 2, 0.5, 1, 2, 1];
  const v = symmetricEigenvalues(m, 4);
  assert.ok(Math.abs(v.reduce((s, x) => s + x, 0) - 13) < 1e-10);
  assert.ok(Math.abs(Math.log(Math.abs(v.reduce((s, x) => s * x, 1))) - logAbsDet(Float64Array.from(m), 4)) < 1e-10);
});

test('snip, grad_norm and fisher of logits = v·w·x with loss = sum of logits', () => {
  // Conv weight w on 1x1 images x, dense weight v: ∂L/∂w = v·Σx, ∂L/∂v = w·Σx.
  const [w, v] = [0.5, -3];
  const xs = [2, -1];
  const net = tinyNet([['0', new Conv2d(1, 1, 1, createRng(0))]], [1, 1, 1], 1, { 'backbone.body.0.kernel': [w], 'head.classifier.kernel': [v] });
  const x = tf.tensor4d(xs, [2, 1, 1, 1]);
  const batch: ProxyBatch = { x, loss: (logits) => tf.sum(logits) as tf.Scalar };
  const s = scoreNetwork(net, proxies('snip', 'grad_norm', 'fisher'), batch);
  const sx = xs[0] + xs[1];
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  close(value(s.snip), 2 * Math.abs(w * v * sx));
  close(value(s.grad_norm), Math.abs(v * sx) + Math.abs(w * sx));
  // Per image, both layers have a·g = v·w·x: ½·mean((vwx)²) each.
  close(value(s.fisher), xs.reduce((t, xi) => t + (v * w * xi) ** 2, 0) / xs.length);
  x.dispose();
  net.dispose();
});

test('every proxy gives a finite value or a reason on every space family, and frees its tensors', () => {
  const rng = createRng(3);
  const images = (n: number, shape: number[]) => Uint8Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => Math.floor(rng.next() * 256));
  for (const name of ['darts-fmnist-small', 'mobile-blocks', 'nb201', 'seg-cells', 'seg-blocks']) {
    const space = loadSpace(resolveSpacePath(name));
    const seg = space.def.task === 'segmentation';
    // Small inputs keep this quick; seg spaces need 32 pixels to reach their 1/32 level.
    const shape: [number, number, number] = seg ? [32, 32, 3] : [8, 8, space.def.input.shape[2]];
    const classes = space.def.input.classes;
    const n = 4;
    const stats = { mean: Array(shape[2]).fill(0.5), std: Array(shape[2]).fill(0.25) };
    const before = tf.memory().numTensors;
    const batch = seg
      ? segmentationBatch({ train: { images: images(n, shape), masks: Uint8Array.from({ length: n * 32 * 32 }, (_, i) => i % classes), count: n }, shape, ignoreLabel: 255, ...stats }, 0, n)
      : classificationBatch({ train: { images: images(n, shape), labels: Uint8Array.from({ length: n }, (_, i) => i % classes), count: n }, shape, numClasses: classes, ...stats }, 0, n);
    // On NB-201 also a cell whose output node reads only `none` edges: its convolutions get no gradient.
    const genotypes = [space.sample(createRng(1)), ...(name === 'nb201' ? [{ nodes: [['nor_conv_3x3'], ['nor_conv_1x1', 'none'], ['none', 'none', 'none']] }] : [])];
    for (const g of genotypes) {
      const net = buildNetwork(space, g, { inShape: shape, rng: createRng(2) });
      const scores = scoreNetwork(net, PROXIES, batch);
      net.dispose();
      assert.deepEqual(Object.keys(scores), PROXIES.map((p) => p.name));
      // The all-`none` cell cuts every path from the image to the logits: no input gradient to correlate.
      if (g !== genotypes[0]) assert.ok('undefined' in scores.jacob_cov && /constant/.test(scores.jacob_cov.undefined), JSON.stringify(scores.jacob_cov));
      for (const [proxy, s] of Object.entries(scores)) {
        assert.ok('value' in s ? Number.isFinite(s.value) : s.undefined.length > 0, `${name} ${proxy}: ${JSON.stringify(s)}`);
      }
    }
    batch.dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: tensors left`);
  }
});

test('an unknown proxy name is a usage error listing the known ones', () => {
  assert.throws(() => proxyByName('synflw'), /unknown zero-cost proxy 'synflw': choose one of synflow, naswot/);
});

test('every proxy scores into a registered metric: its own zc_ one, higher better, or the params/flops it counts', () => {
  for (const p of PROXIES) {
    const m = metricDef(zeroCostMetric(p.name));
    if (p.name === 'params' || p.name === 'flops') assert.equal(m.name, p.name);
    else assert.deepEqual([m.name, m.direction, m.label.endsWith('(zero-cost)')], [`zc_${p.name}`, 'max', true]);
  }
  assert.equal(runQuality('segmentation', { kind: 'zero-cost', proxy: 'grad_norm' }), 'zc_grad_norm');
  assert.equal(runQuality('segmentation', { kind: 'proxy' }), 'miou');
});
