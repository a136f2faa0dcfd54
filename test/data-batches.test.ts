import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY, sampleAugment, writeAugmented, type AugmentParams } from '../search/data/augment.ts';
import { createBatcher, type Batch } from '../search/data/batches.ts';
import { deriveRng } from '../search/data/seeds.ts';
import { batchTensors } from '../search/data/tensors.ts';
import type { Shape, Split } from '../search/data/types.ts';

// 23 images of 2x2x1 whose pixels all equal the image index; label = index % 5.
const shape: Shape = [2, 2, 1];
const split: Split = {
  images: Uint8Array.from({ length: 23 * 4 }, (_, i) => Math.floor(i / 4)),
  labels: Uint8Array.from({ length: 23 }, (_, i) => i % 5),
  count: 23,
};
// std 1/255 and mean 0 make normalised values equal to the raw bytes.
const raw = { mean: [0], std: [1 / 255] };
const ids = (b: Batch): number[] => Array.from({ length: b.size }, (_, i) => Math.round(b.x[i * 4]));

test('every epoch visits every image once, in an order fixed by seed and epoch', () => {
  const a = createBatcher(split, shape, { batchSize: 5, seed: 3, ...raw });
  assert.equal(a.batchesPerEpoch, 5);
  const epoch0 = [...a.restOfEpoch()];
  assert.deepEqual(epoch0.map((b) => b.size), [5, 5, 5, 5, 3]);
  const seen = epoch0.flatMap(ids);
  assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 23 }, (_, i) => i));
  for (const b of epoch0) assert.deepEqual([...b.y], ids(b).map((i) => i % 5));
  const epoch1 = [...a.restOfEpoch()].flatMap(ids);
  assert.notDeepEqual(epoch1, seen);
  const same = [...createBatcher(split, shape, { batchSize: 5, seed: 3, ...raw }).restOfEpoch()].flatMap(ids);
  assert.deepEqual(same, seen);
  const other = [...createBatcher(split, shape, { batchSize: 5, seed: 4, ...raw }).restOfEpoch()].flatMap(ids);
  assert.notDeepEqual(other, seen);
  const inOrder = [...createBatcher(split, shape, { batchSize: 5, seed: 3, shuffle: false, ...raw }).restOfEpoch()].flatMap(ids);
  assert.deepEqual(inOrder, Array.from({ length: 23 }, (_, i) => i));
});

test('a batcher resumed at a position continues exactly like an uninterrupted one', () => {
  const augment = { cropPadding: 1, flip: true, cutout: 1 };
  const opts = { batchSize: 4, seed: 11, dropLast: true, augment, ...raw };
  const straight = createBatcher(split, shape, opts);
  assert.equal(straight.batchesPerEpoch, 5);
  const all = Array.from({ length: 13 }, () => straight.next());
  assert.deepEqual(all[12].position, { epoch: 2, batch: 2 });
  const resumed = createBatcher(split, shape, { ...opts, start: { epoch: 1, batch: 3 } });
  for (const expected of all.slice(8)) {
    const got = resumed.next();
    assert.deepEqual(got.position, expected.position);
    assert.deepEqual(got.x, expected.x);
    assert.deepEqual(got.y, expected.y);
  }
  assert.deepEqual(resumed.position(), { epoch: 2, batch: 3 });
});

test('normalisation uses the given per-channel mean and std', () => {
  const rgb: Split = { images: Uint8Array.from([0, 255, 51, 255, 0, 102]), labels: Uint8Array.from([1, 0]), count: 2 };
  const b = createBatcher(rgb, [1, 1, 3], { batchSize: 2, seed: 0, shuffle: false, mean: [0.5, 0.5, 0.1], std: [0.5, 0.25, 0.1] }).next();
  const expected = [-1, 2, 1, 1, -2, 3];
  b.x.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${i}: ${v} vs ${expected[i]}`));
});

// A 3x3 image with pixels 1..9 row-major, to check the crop/flip/cutout mapping by hand.
const img3 = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
function apply(params: Partial<AugmentParams>): number[] {
  const out = new Float32Array(9);
  writeAugmented(img3, 0, out, 0, [3, 3, 1], { ...IDENTITY, ...params }, [0], [1 / 255]);
  return [...out].map(Math.round);
}

test('crop with zero padding, flip and cutout move pixels as expected', () => {
  assert.deepEqual(apply({}), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(apply({ dy: 1, dx: -1 }), [0, 4, 5, 0, 7, 8, 0, 0, 0]);
  assert.deepEqual(apply({ flip: true }), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  assert.deepEqual(apply({ flip: true, dx: 1 }), [0, 3, 2, 0, 6, 5, 0, 9, 8]); // crop first, then flip
  assert.deepEqual(apply({ cutout: 2, cutoutY: 0, cutoutX: 2 }), [1, 0, 0, 4, 5, 6, 7, 8, 9]); // rows -1..0, columns 1..2, clipped
  assert.deepEqual(apply({ cutout: 2, cutoutY: 2, cutoutX: 1 }), [1, 2, 3, 0, 0, 6, 0, 0, 9]);
});

test('augmentation draws are fixed by seed, stay in range, and respect switches', () => {
  const cfg = { cropPadding: 2, flip: true, cutout: 3 };
  const draw = (seed: number) => Array.from({ length: 200 }, ((rng) => () => sampleAugment(cfg, [8, 8, 1], rng))(deriveRng(seed)));
  const a = draw(1);
  assert.deepEqual(draw(1), a);
  assert.notDeepEqual(draw(2), a);
  assert.ok(a.every((p) => Math.abs(p.dy) <= 2 && Math.abs(p.dx) <= 2 && p.cutoutY < 8 && p.cutoutX < 8));
  assert.ok(a.some((p) => p.flip) && a.some((p) => !p.flip) && a.some((p) => p.dx === -2) && a.some((p) => p.dx === 2));
  const noFlip = Array.from({ length: 100 }, ((rng) => () => sampleAugment({ ...cfg, flip: false }, [8, 8, 1], rng))(deriveRng(1)));
  assert.ok(noFlip.every((p) => !p.flip));
});

test('batch tensors have the batch shape and leak nothing', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const b = createBatcher(split, shape, { batchSize: 4, seed: 0, ...raw }).next();
  const { x, y } = batchTensors(b, shape, 5, true);
  assert.deepEqual(x.shape, [4, 2, 2, 1]);
  assert.deepEqual(y.shape, [4, 5]);
  assert.equal(y.dtype, 'float32');
  const labels = [...b.y];
  const oneHot = (await y.array()) as number[][];
  assert.deepEqual(oneHot.map((row) => row.indexOf(1)), labels);
  x.dispose(); y.dispose();
  const plain = batchTensors(b, shape, 5);
  assert.equal(plain.y.dtype, 'int32');
  plain.x.dispose(); plain.y.dispose();
  assert.equal(tf.memory().numTensors, before);
});
