/**
 * A training step through every op family the project's networks use, on wasm against cpu:
 * finds any kernel the wasm backend lacks for training, and checks the gradients agree.
 * Dilated convolutions go through our gradients (tfjs refuses them): on wasm through our
 * kernels, on cpu through the densely written-out filter — two independent routes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';

const shapes: Record<string, number[]> = {
  conv: [3, 3, 3, 8], dw: [3, 3, 8, 2], dil: [3, 3, 16, 8], dwDil: [3, 3, 8, 1], q: [8, 24], proj: [8, 8],
  gamma: [8], beta: [8], emb: [10, 8], fc: [16, 5],
};

function forward(x: tf.Tensor4D, ids: tf.Tensor1D, p: Record<string, tf.Tensor>): tf.Scalar {
  let h = tf.relu(tf.conv2d(x, p.conv as tf.Tensor4D, 1, 'same'));                         // 8x8x8
  h = tf.depthwiseConv2d(h, p.dw as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);      // 8x8x16
  h = tf.conv2d(h, p.dil as tf.Tensor4D, 1, 'same', 'NHWC', 2);                             // dilated
  h = tf.depthwiseConv2d(h, p.dwDil as tf.Tensor4D, 1, 'same', 'NHWC', [2, 2]);             // dilated
  const m = tf.moments(h, [0, 1, 2]);
  h = tf.relu(tf.batchNorm(h, m.mean, m.variance, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, 1e-5)) as tf.Tensor4D;
  const pooled = tf.concat([tf.maxPool(h, 3, 2, 'same'), tf.avgPool(h, 2, 2, 'valid')], 3); // 4x4x16
  const up = tf.image.resizeBilinear(tf.slice(pooled, [0, 0, 0, 0], [-1, 4, 4, 8]), [6, 6]);
  const padded = tf.pad(up, [[0, 0], [1, 1], [1, 1], [0, 0]]);                               // 8x8x8
  // Global attention over the 64 tokens, layer-normed, plus a gathered embedding per image.
  const t = tf.add(padded.reshape([2, 64, 8]), tf.gather(p.emb, ids).reshape([2, 1, 8]));
  const lm = tf.moments(t, -1, true);
  const ln = tf.div(tf.sub(t, lm.mean), tf.sqrt(tf.add(lm.variance, 1e-5)));
  const [q, k, v] = tf.split(tf.matMul(ln.reshape([128, 8]), p.q).reshape([2, 64, 24]), 3, -1);
  const att = tf.matMul(tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(8))), v);
  const o = tf.add(t, tf.matMul(att.reshape([128, 8]), p.proj).reshape([2, 64, 8]));
  const feats = tf.concat([tf.mean(o, 1), tf.max(pooled, [1, 2]).slice([0, 8], [-1, 8])], 1);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5), tf.matMul(feats, p.fc)) as tf.Scalar;
}

async function gradsOn(backend: string, values: Record<string, Float32Array>): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const p = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tf.tensor(values[k], s)]));
    const x = tf.tensor4d(values.x, [2, 8, 8, 3]);
    const ids = tf.tensor1d([4, 7], 'int32');
    const names = Object.keys(shapes);
    const g = tf.grads((...ts: tf.Tensor[]) => forward(x, ids, Object.fromEntries(names.map((n, i) => [n, ts[i]]))))(names.map((n) => p[n]));
    return Object.fromEntries(names.map((n, i) => [n, g[i].dataSync() as Float32Array]));
  });
}

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('a training step through every op family: wasm gradients equal cpu gradients', async () => {
  const rng = createRng(3);
  const values: Record<string, Float32Array> = {};
  for (const [k, s] of Object.entries({ ...shapes, x: [2, 8, 8, 3] })) {
    values[k] = Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5);
  }
  const want = await gradsOn('cpu', values);
  const got = await gradsOn('wasm', values);
  for (const name of Object.keys(shapes)) {
    let diff = 0, ref = 0;
    want[name].forEach((w, i) => { diff = Math.max(diff, Math.abs(got[name][i] - w)); ref = Math.max(ref, Math.abs(w)); });
    assert.ok(ref > 0, `${name}: zero gradient, the check tests nothing`);
    assert.ok(diff / ref <= 1e-4, `${name}: relative error ${diff / ref}`);
  }
});
