import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noiseCeiling, oracleCeiling, seedsFor } from '../search/reference/noise.ts';

test('two identical runs: no noise, reliability 1', () => {
  const c = noiseCeiling([0.81, 0.83, 0.85, 0.84], [0.81, 0.83, 0.85, 0.84]);
  assert.equal(c.noiseSd, 0);
  assert.equal(c.reliability, 1);
  assert.equal(c.spearman, 1);
});

test('pairs swapped by seed noise: noise and signal split the variance as worked by hand', () => {
  // Differences -1, 1, -1, 1: variance 4/3, so one run's noise variance is 2/3; each run's variance
  // is 5/3, which leaves 1 to the architectures: reliability 3/5.
  const c = noiseCeiling([1, 2, 3, 4], [2, 1, 4, 3]);
  assert.ok(Math.abs(c.noiseSd ** 2 - 2 / 3) < 1e-12);
  assert.ok(Math.abs(c.spreadSd ** 2 - 5 / 3) < 1e-12);
  assert.ok(Math.abs(c.signalSd - 1) < 1e-12);
  assert.ok(Math.abs(c.reliability - 0.6) < 1e-12);
  assert.equal(c.spearman, 0.6);
});

test('noise larger than the spread leaves no signal; Spearman-Brown counts seeds', () => {
  const c = noiseCeiling([1, 2, 3], [3, 2, 1]);
  assert.equal(c.signalSd, 0);
  assert.equal(c.reliability, 0);
  assert.equal(seedsFor(c.reliability, 0.8), Infinity);
  assert.equal(seedsFor(0.5, 0.8), 4);
  assert.equal(seedsFor(0.8, 0.8), 1);
  assert.throws(() => noiseCeiling([1, 2], [1, 2]), /at least 3/);
});

test('the oracle ceiling is the square root of the seed mean reliability (Spearman-Brown)', () => {
  assert.equal(oracleCeiling(1, 1), 1);
  // r 0.5 over 2 seeds: reliability 2 * 0.5 / 1.5 = 2/3.
  assert.ok(Math.abs(oracleCeiling(0.5, 2) - Math.sqrt(2 / 3)) < 1e-12);
  assert.ok(oracleCeiling(0.5, 4) > oracleCeiling(0.5, 2));
  assert.equal(oracleCeiling(0, 2), 0);
  assert.equal(oracleCeiling(-0.2, 2), 0);
});
