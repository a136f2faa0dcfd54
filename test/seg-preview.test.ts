/**
 * The segmentation preview a candidate keeps: the first validation images, their true masks and
 * the network's argmax masks survive the encoding byte for byte, and the images decode to the
 * data set's pixels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { predictPreview } from '../search/evaluate/seg-proxy.ts';
import { decodeMask } from '../search/contracts/seg-preview.ts';

test('the preview holds the first validation images with true and predicted masks', async () => {
  await tf.setBackend('cpu');
  const data = loadSceneDataset({ variant: 'objects', counts: { train: 2, val: 4, test: 0 }, seed: 3 });
  const [h, w] = data.shape;
  const px = h * w;
  const k = data.numClasses;
  // A stand-in network that predicts "truth shifted by one class": its argmax is known exactly.
  const shifted = (m: number) => (m === data.ignoreLabel ? 0 : (m + 1) % k);
  const net = {
    forward: (x: tf.Tensor) => {
      const n = x.shape[0]!;
      const logits = new Float32Array(n * px * k);
      for (let i = 0; i < n * px; i++) logits[i * k + shifted(data.val.masks[i])] = 1;
      return tf.tensor4d(logits, [n, h, w, k]);
    },
  };
  const before = tf.memory().numTensors;
  const p = await predictPreview(net as never, data, data.val);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.equal(p.samples.length, 3);
  assert.deepEqual([p.height, p.width, p.ignoreLabel, p.classNames], [h, w, data.ignoreLabel, data.classNames]);
  p.samples.forEach((s, i) => {
    const truth = data.val.masks.subarray(i * px, (i + 1) * px);
    assert.deepEqual(decodeMask(s.truth), Uint8Array.from(truth));
    assert.deepEqual(decodeMask(s.predicted), Uint8Array.from(truth, shifted));
    const png = PNG.sync.read(Buffer.from(s.image.replace(/^data:image\/png;base64,/, ''), 'base64'));
    assert.deepEqual([png.width, png.height], [w, h]);
    for (let j = 0; j < px; j += 97) assert.equal(png.data[j * 4], data.val.images[i * px + j]);
  });
  assert.ok(JSON.stringify(p).length < 64 * 1024, 'small enough to keep with every candidate');
});
