/**
 * The few-shot heads and episode scoring: masked average pooling averages exactly the masked
 * pixels, both heads label a query pixel by the support class it resembles, and scoring real
 * episodes gives mIoU 1 with embeddings that separate the classes and 0 with ones that do not; the
 * episode preview holds the first episode's supports and query, and the head's answer per shot count.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { classSplit, episodeMask, sampleEpisodes, type Episode } from '../search/data/segmentation/episodes.ts';
import type { SegDataset } from '../search/data/segmentation/types.ts';
import { scoreEpisodes } from '../search/evaluate/fewshot-score.ts';
import { episodePreview } from '../search/evaluate/fewshot-preview.ts';
import { decodeMask } from '../search/contracts/seg-preview.ts';
import { PNG } from 'pngjs';
import { cosineLogits } from '../search/nn/cosine-classifier.ts';
import { maskedAveragePool, prototypeLogits } from '../search/nn/prototype-match.ts';
import { attentionLogits } from '../search/nn/support-attention.ts';

before(async () => { await tf.setBackend('cpu'); });

describe('prototype and attention heads', () => {
  // One support image 2x2, d = 2: background pixels point one way, class-1 pixels another; pixel 3 is ignored.
  const support = tf.tensor4d([1, 0, 3, 0, 0, 2, 5, 5], [1, 2, 2, 2]);
  const weights = tf.tensor4d([1, 0, 1, 0, 0, 1, 0, 0], [1, 2, 2, 2]);

  test('masked average pooling averages the pixels of each class, skipping ignored ones', () => {
    const p = maskedAveragePool(support, weights);
    assert.deepEqual(Array.from(p.dataSync()), [2, 0, 0, 2]);
    p.dispose();
  });

  test('cosine logits are scale times the cosine similarity', () => {
    const l = cosineLogits(tf.tensor2d([[3, 4]]), tf.tensor2d([[1, 0], [0, 2]]), 10);
    const [a, b] = l.dataSync();
    assert.ok(Math.abs(a - 6) < 1e-4 && Math.abs(b - 8) < 1e-4);
    l.dispose();
  });

  test('both heads give a query pixel the class of the support pixels it points like', () => {
    const query = tf.tensor4d([0.9, 0.1, 0.1, 3, 2, 0, 0, 1], [1, 2, 2, 2]);
    for (const logits of [prototypeLogits(query, support, weights, 10), attentionLogits(query, support, weights, 10, 1)]) {
      const pred = tf.argMax(logits, -1);
      assert.deepEqual(Array.from(pred.dataSync()), [0, 1, 0, 1]);
      tf.dispose([logits, pred]);
    }
  });

  test('attention weighs each class by its own support pixels: a small object is not outvoted by the background around it', () => {
    // Three background pixels along x, one class pixel along y; the query is a little closer to the class.
    const s = tf.tensor4d([1, 0, 1, 0, 1, 0, 0, 1], [1, 2, 2, 2]);
    const w = tf.tensor4d([1, 0, 1, 0, 1, 0, 0, 1], [1, 2, 2, 2]);
    const logits = attentionLogits(tf.tensor4d([0.9, 1], [1, 1, 1, 2]), s, w, 10, 1);
    const pred = tf.argMax(logits, -1);
    assert.deepEqual(Array.from(pred.dataSync()), [1]);
    tf.dispose([s, w, logits, pred]);
  });
});

describe('episode scoring', () => {
  let data: SegDataset;
  let episodes: Episode[];
  const novel = classSplit(0).novel;
  before(() => {
    data = loadSceneDataset({ variant: 'objects', counts: { train: 2, val: 60, test: 0 }, seed: 5 });
    episodes = sampleEpisodes(data.val.masks, 64 * 64, { classes: novel, ways: 2, shots: 5, queries: 2, episodes: 4, seed: 0, minPixels: 32 });
  });

  /** An embedding that reads each scene's true mask: a one-hot of its global class (ignored pixels: background). */
  function oracle(order = episodes.flatMap((e) => [...e.supports.flat(), ...e.queries])): (x: tf.Tensor4D) => tf.Tensor {
    let at = 0;
    return (x) => {
      const n = x.shape[0], px = 64 * 64;
      const out = new Float32Array(n * px * 21);
      for (let i = 0; i < n; i++) {
        const scene = order[at++];
        for (let p = 0; p < px; p++) {
          const m = data.val.masks[scene * px + p];
          out[(i * px + p) * 21 + (m === data.ignoreLabel ? 0 : m)] = 1;
        }
      }
      return tf.tensor4d(out, [n, 64, 64, 21]);
    };
  }

  test('embeddings that separate the classes score 1 at 1 and 5 shots (the attention head, at 1/4 resolution, all but thin strokes and edges); constant ones score 0', async () => {
    const count = tf.memory().numTensors;
    const perfect = await scoreEpisodes(oracle(), data, data.val, episodes, novel, { head: 'prototype', scale: 10, shots: [1, 5], pool: 1 });
    assert.deepEqual([...perfect], [[1, 1], [5, 1]]);
    const attended = await scoreEpisodes(oracle(), data, data.val, episodes, novel, { head: 'attention', scale: 10, shots: [1, 5], pool: 4 });
    for (const k of [1, 5]) assert.ok(attended.get(k)! > 0.6 && attended.get(k)! < 1, `attention ${k}-shot: ${attended.get(k)}`);
    const constant = await scoreEpisodes((x) => tf.ones([x.shape[0], 64, 64, 4]), data, data.val, episodes, novel, { head: 'prototype', scale: 10, shots: [1], pool: 1 });
    assert.equal(constant.get(1), 0);
    assert.equal(tf.memory().numTensors, count);
  });

  test('the preview holds the first episode: its supports and first query with their masks, and the answer at each shot count', async () => {
    const e = episodes[0];
    const px = 64 * 64;
    const count = tf.memory().numTensors;
    const p = await episodePreview(oracle([...e.supports.flat(), e.queries[0]]), data, data.val, e, { head: 'prototype', scale: 10, shots: [1, 5], pool: 1 });
    assert.equal(tf.memory().numTensors, count, 'no tensor left behind');
    assert.deepEqual(p.classNames, ['background', ...e.classes.map((c) => data.classNames[c])]);
    assert.deepEqual([p.head, p.height, p.width, p.ignoreLabel], ['prototype', 64, 64, data.ignoreLabel]);
    const sceneMask = (n: number) => episodeMask(data.val.masks.subarray(n * px, (n + 1) * px), e.classes, data.ignoreLabel);
    assert.deepEqual(p.supports.map((way) => way.length), [5, 5]);
    p.supports.forEach((way, j) => way.forEach((s, k) => assert.deepEqual(decodeMask(s.mask), sceneMask(e.supports[j][k]))));
    const truth = sceneMask(e.queries[0]);
    assert.deepEqual(decodeMask(p.query.truth), truth);
    const png = PNG.sync.read(Buffer.from(p.query.image.replace(/^data:image\/png;base64,/, ''), 'base64'));
    for (let j = 0; j < px; j += 101) assert.equal(png.data[j * 4], data.val.images[e.queries[0] * px + j]);
    // The oracle embedding answers every scored pixel right, at both shot counts.
    assert.deepEqual(p.predictions.map((q) => q.shots), [1, 5]);
    for (const q of p.predictions) {
      const predicted = decodeMask(q.predicted);
      assert.ok(truth.some((t) => t > 0 && t !== data.ignoreLabel), 'the query holds a way\'s class');
      truth.forEach((t, i) => { if (t !== data.ignoreLabel) assert.equal(predicted[i], t, `${q.shots}-shot pixel ${i}`); });
    }
    assert.ok(JSON.stringify(p).length < 64 * 1024, `small enough to keep with every candidate: ${JSON.stringify(p).length} bytes for ${p.supports.flat().length + 1} scenes`);
  });
});
