import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constrainedSort, violation } from '../search/objectives/constraints.ts';
import { mnasPreset, mnasScore, weightedScore } from '../search/objectives/scores.ts';

test('violation sums relative excess over each bound', () => {
  const bounds = [{ index: 1, max: 8 }, { index: 2, max: 1e6 }];
  assert.equal(violation([0.9, 8, 1e6], bounds), 0, 'on the bound is feasible');
  assert.equal(violation([0.9, 10, 2e6], bounds), 0.25 + 1);
  assert.equal(violation([0.9, NaN, 1e6], bounds), 1, 'an unmeasured constrained value is infeasible');
});

test('infeasible points rank after every feasible one, least violating first', () => {
  // (acc max, latency min), latency ≤ 10.
  const pts = [[0.95, 30], [0.7, 9], [0.99, 12], [0.8, 5], [0.6, 8], [0.97, 30]];
  const v = pts.map((p) => violation(p, [{ index: 1, max: 10 }]));
  // [0.8, 5] dominates both [0.7, 9] and [0.6, 8], which trade off against each other.
  assert.deepEqual(constrainedSort(pts, ['max', 'min'], v), [[3], [1, 4], [2], [0, 5]]);
  assert.deepEqual(constrainedSort([], ['max', 'min'], []), []);
});

test('weighted score a·acc − b·lat − c·params', () => {
  assert.equal(weightedScore(0.9, { latency_ms: 10, params: 2e6 }, { accuracy: 1, latency: 0.01, params: 1e-8 }), 0.9 - 0.1 - 0.02);
  assert.equal(weightedScore(0.9, {}, { accuracy: 2, latency: 1, params: 1 }), 1.8, 'missing costs count as zero');
});

test('MnasNet reward: soft and hard variants', () => {
  const soft = mnasPreset('soft', 80);
  const hard = mnasPreset('hard', 80);
  assert.equal(mnasScore(0.75, 80, soft), 0.75);
  assert.equal(mnasScore(0.75, 80, hard), 0.75);
  assert.equal(mnasScore(0.75, 40, hard), 0.75, 'hard: no reward for beating the target');
  assert.equal(mnasScore(0.75, 160, hard), 0.375, 'hard: w = -1 over the target');
  assert.ok(Math.abs(mnasScore(0.75, 160, soft) - 0.75 * 0.952638) < 1e-6, '2^-0.07 ≈ 0.952638');
  assert.ok(mnasScore(0.75, 40, soft) > 0.75, 'soft: faster than target earns a bonus');
  assert.throws(() => mnasScore(0.75, 0, soft), /positive latency/);
});
