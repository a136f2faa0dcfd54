/** Rank agreement measures on cases worked by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallTau, spearman, topPrecision, spearmanInterval } from '../search/reference/agreement.ts';
import { createRng } from '../search/util/rng.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test("Kendall's tau-b: perfect, reversed, one swap, and ties on either side", () => {
  close(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // One swapped pair of six: (5 - 1) / 6.
  close(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
  // a = [1,1,2,3], b = [1,2,3,4]: pairs (0,1) tied in a; the other 5 concordant: 5 / sqrt(5 * 6).
  close(kendallTau([1, 1, 2, 3], [1, 2, 3, 4]), 5 / Math.sqrt(30));
  // Tied on both sides in one pair, which counts nowhere: a = [1,1,2], b = [5,5,6] -> 2 / sqrt(2 * 2).
  close(kendallTau([1, 1, 2], [5, 5, 6]), 1);
  assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3])));
});

test("Spearman's rho with ties averages their ranks", () => {
  close(spearman([1, 2, 3], [3, 2, 1]), -1);
  // Ranks a = [1.5, 1.5, 3], b = [1, 2, 3]: Pearson of those = 0.8660254...
  close(spearman([7, 7, 9], [1, 2, 3]), Math.sqrt(3) / 2);
});

test('top precision: share of the reference top fraction the scores also put on top', () => {
  const ref = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
  assert.equal(topPrecision(ref, ref, 0.2), 1);
  assert.equal(topPrecision(ref, [...ref].reverse(), 0.2), 0);
  // Top two of ref are 0 and 1; the scores put 0 and 5 on top.
  assert.equal(topPrecision(ref, [9, 1, 2, 3, 4, 8, 0, 0, 0, 0], 0.2), 0.5);
  // At least one: 10 % of 5 rounds to 0, so k = 1.
  assert.equal(topPrecision([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], 0.1), 0);
  assert.equal(topPrecision([1, 2, 3, 4, 5], [0, 0, 0, 0, 1], 0.1), 1);
  // All scores tied: the cut keeps the first by position.
  assert.equal(topPrecision([3, 2, 1], [0, 0, 0], 0.34), 1);
});

test('Spearman bootstrap interval: narrow around a strong order, wide and across zero for noise, seeded', () => {
  const rng = createRng(7);
  const truth = Array.from({ length: 40 }, () => rng.normal());
  const near = truth.map((x) => x + 0.2 * rng.normal());
  const noise = truth.map(() => rng.normal());
  const strong = spearmanInterval(truth, near);
  assert.ok(strong.lo > 0.85 && strong.hi <= 1, JSON.stringify(strong));
  const none = spearmanInterval(truth, noise);
  assert.ok(none.lo < 0 && none.hi > 0, JSON.stringify(none));
  assert.ok(none.hi - none.lo > 3 * (strong.hi - strong.lo));
  assert.deepEqual(spearmanInterval(truth, noise, { seed: 3 }), spearmanInterval(truth, noise, { seed: 3 }));
  assert.ok(Number.isNaN(spearmanInterval([1, 1, 1], [1, 2, 3]).lo));
});
