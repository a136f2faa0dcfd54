import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetAgreement, correctedInterval } from '../search/reference/budget-agreement.ts';
import { createRng } from '../search/util/rng.ts';

/** n architectures: each run is its signal plus independent noise of the given sd. */
function runs(signal: number[], noiseSd: number, seed: number) {
  const rng = createRng(seed);
  const run = () => signal.map((s) => s + noiseSd * rng.normal());
  return { a: run(), b: run() };
}

test('noise-free budgets that order alike agree perfectly', () => {
  const g = budgetAgreement({ a: [1, 2, 3, 4], b: [1, 2, 3, 4] }, { a: [10, 20, 30, 40], b: [10, 20, 30, 40] });
  assert.equal(g.corrected, 1);
  assert.equal(g.crossSeed, 1);
});

test('one order under much and little noise: the raw agreement is low, the corrected one near 1', () => {
  const rng = createRng(7);
  const signal = Array.from({ length: 400 }, () => rng.normal());
  const g = budgetAgreement(runs(signal, 1.5, 1), runs(signal, 0.3, 2));
  assert.ok(g.crossSeed < 0.6, `raw ${g.crossSeed}`);
  assert.ok(Math.abs(g.corrected - 1) < 0.12, `corrected ${g.corrected}`);
  const ci = correctedInterval(runs(signal, 1.5, 1), runs(signal, 0.3, 2), { resamples: 200 });
  assert.ok(ci.lo < g.corrected && g.corrected < ci.hi, `${ci.lo} < ${g.corrected} < ${ci.hi}`);
});

test('a longer budget with its own order: the corrected agreement stays near 0', () => {
  const rng = createRng(8);
  const first = Array.from({ length: 400 }, () => rng.normal());
  const second = Array.from({ length: 400 }, () => rng.normal());
  const g = budgetAgreement(runs(first, 0.5, 3), runs(second, 0.5, 4));
  assert.ok(Math.abs(g.corrected) < 0.15, `corrected ${g.corrected}`);
});

test('no seed-to-seed agreement leaves no correction; mismatched runs are refused', () => {
  const g = budgetAgreement({ a: [1, 2, 3], b: [3, 2, 1] }, { a: [1, 2, 3], b: [1, 2, 3] });
  assert.ok(Number.isNaN(g.corrected));
  assert.throws(() => budgetAgreement({ a: [1, 2, 3], b: [1, 2] }, { a: [1, 2, 3], b: [1, 2, 3] }), /same architectures/);
});
