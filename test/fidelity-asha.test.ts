import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bracketOf, rungBudgets, type Fidelity } from '../search/strategies/fidelity/rungs.ts';
import { nextPromotion, orderWithinRung, type RungEntry, type RungRanking } from '../search/strategies/fidelity/asha.ts';
import type { ProxyBudget } from '../search/contracts/budget.ts';
import { createRng } from '../search/util/rng.ts';

const TOP: ProxyBudget = { epochs: 9, trainImages: 2000, valImages: 500, batchSize: 64, learningRate: 0.1 };
const ASHA: Fidelity = { kind: 'asha', eta: 3, rungs: 3, resource: 'epochs' };
const BY_ACCURACY: RungRanking = { kind: 'fitness', fitness: { kind: 'metric', metric: 'accuracy' }, constraints: [] };

const done = (candidate: number, rung: number, accuracy: number, bracket = 0): RungEntry =>
  ({ candidate, bracket, rung, status: 'done', metrics: { accuracy } });

test('rung budgets grow by eta up to the run budget, over epochs or images, and refuse equal rungs', () => {
  assert.deepEqual(rungBudgets(TOP, ASHA).map((b) => b.epochs), [1, 3, 9]);
  assert.deepEqual(rungBudgets(TOP, ASHA).map((b) => b.trainImages), [2000, 2000, 2000]);
  assert.deepEqual(rungBudgets(TOP, { ...ASHA, resource: 'images' }).map((b) => b.trainImages), [222, 667, 2000]);
  assert.throws(() => rungBudgets({ ...TOP, epochs: 2 }, ASHA), /need a top budget of at least 9 epochs \(rung budgets would be 1, 1, 2\)/);
});

test('a rung promotes its best only once it holds eta results, highest rung first, each candidate once', () => {
  const entries = [done(1, 0, 0.5), done(2, 0, 0.7)];
  assert.equal(nextPromotion(entries, ASHA, BY_ACCURACY), undefined, 'two results: top 1/3 is empty');
  entries.push(done(3, 0, 0.6));
  assert.deepEqual(nextPromotion(entries, ASHA, BY_ACCURACY), { candidate: 2, bracket: 0, rung: 1 });
  entries.push({ candidate: 2, bracket: 0, rung: 1, status: 'running' });
  assert.equal(nextPromotion(entries, ASHA, BY_ACCURACY), undefined, 'promoted already (still running)');
  // Three more, one failed: six finished, so the top two done ones go up; 2 went, 4 is next.
  entries.push(done(4, 0, 0.65), { candidate: 5, bracket: 0, rung: 0, status: 'failed' }, done(6, 0, 0.1));
  assert.deepEqual(nextPromotion(entries, ASHA, BY_ACCURACY), { candidate: 4, bracket: 0, rung: 1 });
  // Rung 1 full enough to promote: it comes before rung 0's pending promotion.
  entries[3] = done(2, 1, 0.8);
  entries.push(done(7, 1, 0.9), done(8, 1, 0.85));
  assert.deepEqual(nextPromotion(entries, ASHA, BY_ACCURACY), { candidate: 7, bracket: 0, rung: 2 });
});

test('a candidate outside the top 1/eta becomes promotable when later results widen it (asynchronous halving)', () => {
  const entries = [done(1, 0, 0.9), done(2, 0, 0.8), done(3, 0, 0.1), { candidate: 1, bracket: 0, rung: 1, status: 'done', metrics: { accuracy: 0.9 } } as RungEntry];
  assert.equal(nextPromotion(entries, ASHA, BY_ACCURACY), undefined);
  entries.push(done(4, 0, 0.2), done(5, 0, 0.3));
  assert.equal(nextPromotion(entries, ASHA, BY_ACCURACY), undefined, 'five results: still the top one only');
  entries.push(done(6, 0, 0.4));
  assert.deepEqual(nextPromotion(entries, ASHA, BY_ACCURACY), { candidate: 2, bracket: 0, rung: 1 });
});

test("a simulated pool of 3 workers ends with every rung's top 1/eta promoted, and good architectures at the top rung", () => {
  const rng = createRng(7);
  const quality = new Map<number, number>();
  const entries: RungEntry[] = [];
  let clock = 0, nextId = 1;
  const NEW = 60;
  const running: { entry: RungEntry; until: number }[] = [];
  const startOne = () => {
    const p = nextPromotion(entries, ASHA, BY_ACCURACY);
    let entry: RungEntry;
    if (p) entry = { ...p, status: 'running' };
    else if (nextId <= NEW) {
      quality.set(nextId, rng.next());
      entry = { candidate: nextId++, bracket: 0, rung: 0, status: 'running' };
    } else return false;
    entries.push(entry);
    running.push({ entry, until: clock + 3 ** entry.rung });
    return true;
  };
  for (;;) {
    while (running.length < 3 && startOne());
    if (running.length === 0) break;
    running.sort((a, b) => a.until - b.until);
    const { entry, until } = running.shift()!;
    clock = until;
    entry.status = 'done';
    // Rungs measure the same quality more precisely.
    entry.metrics = { accuracy: quality.get(entry.candidate)! + (rng.next() - 0.5) * 0.2 / (entry.rung + 1) };
  }
  const count = (rung: number) => entries.filter((e) => e.rung === rung).length;
  assert.equal(count(0), NEW);
  for (const rung of [0, 1]) {
    // At rest, the best floor(n/eta) of every rung went up; early promotions that later results
    // pushed out of that top stay promoted (asynchronous halving), so a rung may hold more.
    const here = entries.filter((e) => e.rung === rung).map((e) => ({ candidate: e.candidate, metrics: e.metrics! }));
    const top = orderWithinRung(here, BY_ACCURACY).slice(0, Math.floor(here.length / 3));
    for (const c of top) assert.ok(entries.some((e) => e.candidate === c && e.rung === rung + 1), `candidate ${c} of rung ${rung}'s top`);
    assert.ok(count(rung + 1) >= top.length && count(rung + 1) <= here.length / 2, `rung ${rung + 1}: ${count(rung + 1)} of ${here.length}`);
  }
  // The top rung holds good architectures: each above the median true quality.
  const median = [...quality.values()].sort((a, b) => a - b)[NEW / 2];
  for (const e of entries.filter((x) => x.rung === 2)) assert.ok(quality.get(e.candidate)! > median, `candidate ${e.candidate}`);
});

test('on a front, extremes come first; infeasible results rank after feasible ones', () => {
  const ranking: RungRanking = { kind: 'pareto', objectives: ['accuracy', 'latency_ms'], constraints: [{ metric: 'latency_ms', max: 10 }] };
  const order = orderWithinRung([
    { candidate: 1, metrics: { accuracy: 0.7, latency_ms: 5 } }, // on the front, middle
    { candidate: 2, metrics: { accuracy: 0.9, latency_ms: 9 } }, // front extreme
    { candidate: 3, metrics: { accuracy: 0.5, latency_ms: 2 } }, // front extreme
    { candidate: 4, metrics: { accuracy: 0.6, latency_ms: 6 } }, // dominated by 1
    { candidate: 5, metrics: { accuracy: 0.99, latency_ms: 20 } }, // infeasible
  ], ranking);
  assert.deepEqual(order, [2, 3, 1, 4, 5]);
});

test('Hyperband deals candidates to brackets in proportions 9:5:3 (eta 3, 3 rungs), and compares within a bracket', () => {
  const hb: Fidelity = { ...ASHA, kind: 'hyperband' };
  const brackets = Array.from({ length: 34 }, (_, i) => bracketOf(i, hb));
  assert.deepEqual([0, 1, 2].map((b) => brackets.filter((x) => x === b).length), [18, 10, 6]);
  assert.deepEqual(brackets.slice(0, 17), brackets.slice(17), 'a fixed cycle');
  assert.ok(Array.from({ length: 20 }, (_, i) => bracketOf(i, ASHA)).every((b) => b === 0));
  // Bracket 1 enters at rung 1: its three results promote its own best to rung 2, not bracket 0's.
  const entries = [done(1, 1, 0.99), done(2, 1, 0.3, 1), done(3, 1, 0.5, 1), done(4, 1, 0.4, 1), done(5, 0, 0.99)];
  assert.deepEqual(nextPromotion(entries, hb, BY_ACCURACY), { candidate: 3, bracket: 1, rung: 2 });
});
