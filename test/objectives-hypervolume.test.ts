import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { createRng } from '../search/util/rng.ts';

test('2-D hypervolume of a staircase, by hand', () => {
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4], ['min', 'min']), 3 + 2 + 1);
  // Max accuracy / min latency: boxes [0,0.9]x[10,20] and [0,0.8]x[5,20] overlap in [0,0.8]x[10,20].
  assert.ok(Math.abs(hypervolume([[0.9, 10], [0.8, 5]], [0, 20], ['max', 'min']) - (9 + 12 - 8)) < 1e-12);
});

test('hypervolume edge cases: empty, one point, duplicates, dominated and outside points', () => {
  assert.equal(hypervolume([], [4, 4], ['min', 'min']), 0);
  assert.equal(hypervolume([[1, 2]], [4, 4], ['min', 'min']), 6);
  assert.equal(hypervolume([[1, 2], [1, 2], [2, 3]], [4, 4], ['min', 'min']), 6);
  assert.equal(hypervolume([[5, 1], [1, 4]], [4, 4], ['min', 'min']), 0, 'not strictly inside the reference');
  assert.equal(hypervolume([[1, 1, 1]], [2, 2, 2], ['min', 'min', 'min']), 1);
});

/** Independent reference: inclusion–exclusion over the boxes [p, ref] (exact, exponential). */
function inclusionExclusion(points: number[][], ref: number[]): number {
  let total = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    const members = points.filter((_, i) => mask & (1 << i));
    const corner = ref.map((_, d) => Math.max(...members.map((p) => p[d])));
    const vol = corner.reduce((acc, c, d) => acc * Math.max(0, ref[d] - c), 1);
    total += (members.length % 2 ? 1 : -1) * vol;
  }
  return total;
}

test('3-D and 4-D hypervolume match inclusion–exclusion on random sets', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 100; trial++) {
    const k = 3 + (trial % 2);
    const pts = Array.from({ length: 1 + rng.int(6) }, () => Array.from({ length: k }, () => rng.int(6)));
    const ref = new Array(k).fill(6);
    const got = hypervolume(pts, ref, new Array(k).fill('min'));
    assert.ok(Math.abs(got - inclusionExclusion(pts, ref)) < 1e-9, JSON.stringify(pts));
  }
  // By hand: boxes of [0,1,1] (2·1·1) and [1,0,0] (1·2·2) share [1,2]^3.
  assert.equal(hypervolume([[0, 1, 1], [1, 0, 0]], [2, 2, 2], ['min', 'min', 'min']), 2 + 4 - 1);
});
