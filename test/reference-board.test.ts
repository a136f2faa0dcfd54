import { test } from 'node:test';
import assert from 'node:assert/strict';
import { board, oracleCeiling, spearmanInterval } from '../search/reference/board.ts';
import { createRng } from '../search/util/rng.ts';

test('the oracle ceiling is the square root of the seed mean reliability (Spearman-Brown)', () => {
  assert.equal(oracleCeiling(1, 1), 1);
  // r 0.5 over 2 seeds: reliability 2 * 0.5 / 1.5 = 2/3.
  assert.ok(Math.abs(oracleCeiling(0.5, 2) - Math.sqrt(2 / 3)) < 1e-12);
  assert.ok(oracleCeiling(0.5, 4) > oracleCeiling(0.5, 2));
  assert.equal(oracleCeiling(0, 2), 0);
  assert.equal(oracleCeiling(-0.2, 2), 0);
});

test('bootstrap interval: narrow around a strong order, wide and across zero for noise', () => {
  const rng = createRng(7);
  const truth = Array.from({ length: 40 }, () => rng.normal());
  const close = truth.map((x) => x + 0.2 * rng.normal());
  const noise = truth.map(() => rng.normal());
  const strong = spearmanInterval(truth, close);
  assert.ok(strong.lo > 0.85 && strong.hi <= 1, JSON.stringify(strong));
  const none = spearmanInterval(truth, noise);
  assert.ok(none.lo < 0 && none.hi > 0, JSON.stringify(none));
  assert.ok(none.hi - none.lo > 3 * (strong.hi - strong.lo));
  assert.deepEqual(spearmanInterval(truth, noise, { seed: 3 }), spearmanInterval(truth, noise, { seed: 3 }));
});

test('each evaluator is ranked on the architectures both it and the reference hold, with a finite score', () => {
  const reference = new Map([['a', 0.80], ['b', 0.82], ['c', 0.84], ['d', 0.86]]);
  const entries = board(reference, [
    { name: 'agrees', scores: new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4], ['not-in-table', 9]]), seconds: new Map([['a', 2], ['b', 4], ['c', 2], ['d', 4]]) },
    { name: 'reversed, one undefined', scores: new Map([['a', 4], ['b', 3], ['c', 2], ['d', NaN]]) },
  ]);
  assert.equal(entries[0].n, 4);
  assert.equal(entries[0].spearman, 1);
  assert.equal(entries[0].secondsPerCandidate, 3);
  assert.equal(entries[1].n, 3);
  assert.equal(entries[1].spearman, -1);
  assert.ok(Number.isNaN(entries[1].secondsPerCandidate));
});
