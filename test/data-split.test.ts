import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocate, stratifiedPartition, subsetSplit } from '../search/data/split.ts';

test('allocate is proportional, exact in total, and breaks ties towards the lower class', () => {
  assert.deepEqual(allocate([5, 3, 2], 5), [3, 1, 1]); // 2.5, 1.5, 1.0
  assert.deepEqual(allocate([1000, 1000, 1], 3), [2, 1, 0]);
  assert.deepEqual(allocate([7, 7], 14), [7, 7]);
  assert.throws(() => allocate([1, 1], 3), /cannot take 3 items out of 2/);
});

function labelsOf(counts: number[]): Uint8Array {
  return Uint8Array.from(counts.flatMap((n, c) => Array(n).fill(c)));
}

test('a partition is disjoint, covers everything, is stratified and fixed by its seed', () => {
  const labels = labelsOf([40, 30, 20, 10]);
  const [a, b, rest] = stratifiedPartition(labels, 4, [10, 20], 7);
  assert.deepEqual([a.length, b.length, rest.length], [10, 20, 70]);
  const all = [...a, ...b, ...rest].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  const perClass = (ids: Int32Array): number[] => [0, 1, 2, 3].map((c) => ids.filter((i) => labels[i] === c).length);
  assert.deepEqual(perClass(a), [4, 3, 2, 1]);
  assert.deepEqual(perClass(b), [8, 6, 4, 2]);
  const again = stratifiedPartition(labels, 4, [10, 20], 7);
  assert.deepEqual([...again[0]], [...a]);
  const other = stratifiedPartition(labels, 4, [10, 20], 8);
  assert.notDeepEqual([...other[0]], [...a]);
});

test('a subset keeps every class and the split order', () => {
  const labels = labelsOf([50, 50, 50]);
  const images = Uint8Array.from(labels.keys()); // image i is the single pixel value i
  const sub = subsetSplit({ images, labels, count: 150 }, 1, 3, 9, 1);
  assert.equal(sub.count, 9);
  assert.deepEqual([0, 1, 2].map((c) => sub.labels.filter((l) => l === c).length), [3, 3, 3]);
  for (let i = 0; i < 9; i++) assert.equal(labels[sub.images[i]], sub.labels[i]);
  assert.ok(sub.images.every((v, i) => i === 0 || v > sub.images[i - 1]), 'order kept');
});
