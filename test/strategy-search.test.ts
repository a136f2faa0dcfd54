import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nb201Space, syntheticMetrics } from './strategy-fixtures.ts';
import { createRandomSearch } from '../search/strategies/random.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import { createNsga2 } from '../search/strategies/nsga2.ts';
import { driveSearch, type Evaluated } from '../search/strategies/drive.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

const space = nb201Space();
const evaluate = syntheticMetrics;
const SEEDS = [101, 102, 103, 104, 105];
const BUDGET = 200;
const REFERENCE = [0, 7]; // accuracy 0, latency 7 ms (above the table's slowest cell, 6.5 ms)

const points = (h: Evaluated<TabularCellGenotype>[]) => h.flatMap((e) => ('metrics' in e.result ? [[e.result.metrics.accuracy!, e.result.metrics.latency_ms!]] : []));
const best = (h: Evaluated<TabularCellGenotype>[]) => Math.max(...points(h).map((p) => p[0]));
const hv = (h: Evaluated<TabularCellGenotype>[]) => hypervolume(points(h), REFERENCE, ['max', 'min']);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('every strategy spends the budget without proposing an architecture twice', () => {
  for (const strategy of [
    createRandomSearch(space, {}, { seed: 1 }),
    createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed: 1 }),
    createNsga2(space, { populationSize: 20 }, { seed: 1 }),
  ]) {
    const history = driveSearch(strategy, evaluate, { budget: BUDGET, batch: 7 });
    assert.equal(history.length, BUDGET, strategy.kind);
    const keys = history.map((h) => h.proposal.key);
    assert.equal(new Set(keys).size, keys.length, `${strategy.kind} repeated a key`);
    for (const h of history) assert.equal(space.key(h.proposal.genotype), h.proposal.key);
  }
});

test('aging evolution beats random search on mean best accuracy at equal budget', () => {
  const evo = SEEDS.map((seed) => best(driveSearch(createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed }), evaluate, { budget: BUDGET })));
  const rnd = SEEDS.map((seed) => best(driveSearch(createRandomSearch(space, {}, { seed }), evaluate, { budget: BUDGET })));
  console.log(`mean best accuracy over ${SEEDS.length} seeds, budget ${BUDGET}: aging ${mean(evo).toFixed(4)}, random ${mean(rnd).toFixed(4)}`);
  assert.ok(mean(evo) > mean(rnd), `aging ${mean(evo)} vs random ${mean(rnd)}`);
});

test('NSGA-II reaches a larger accuracy/latency hypervolume than random search at equal budget', () => {
  const mo = SEEDS.map((seed) => hv(driveSearch(createNsga2(space, { populationSize: 20 }, { seed }), evaluate, { budget: BUDGET })));
  const rnd = SEEDS.map((seed) => hv(driveSearch(createRandomSearch(space, {}, { seed }), evaluate, { budget: BUDGET })));
  console.log(`mean hypervolume (ref acc 0, 7 ms) over ${SEEDS.length} seeds, budget ${BUDGET}: nsga2 ${mean(mo).toFixed(4)}, random ${mean(rnd).toFixed(4)}`);
  assert.ok(mean(mo) > mean(rnd), `nsga2 ${mean(mo)} vs random ${mean(rnd)}`);
});

test('aging evolution under a latency constraint moves into the feasible region', () => {
  const maxLatency = 2.5;
  const history = driveSearch(createAgingEvolution(space, {
    populationSize: 20, sampleSize: 5, constraints: [{ metric: 'latency_ms', max: maxLatency }],
  }, { seed: 3 }), evaluate, { budget: BUDGET });
  // Unconstrained, the same run ends among slow, accurate cells (none of its last 40 within 2.5 ms);
  // constrained, late proposals are children of feasible winners, so most are feasible too.
  const late = history.slice(-40);
  const feasibleLate = late.filter((h) => 'metrics' in h.result && h.result.metrics.latency_ms! <= maxLatency).length;
  assert.ok(feasibleLate > late.length / 2, `${feasibleLate} of the last ${late.length} within ${maxLatency} ms`);
});

test('NSGA-II with a hard constraint keeps only feasible parents once enough exist', () => {
  const maxLatency = 2;
  const strategy = createNsga2(space, { populationSize: 10, constraints: [{ metric: 'latency_ms', max: maxLatency }] }, { seed: 4 });
  driveSearch(strategy, evaluate, { budget: 150 });
  const parents = (strategy.state() as { parents: { metrics: { latency_ms: number } }[] }).parents;
  assert.equal(parents.length, 10);
  assert.ok(parents.every((p) => p.metrics.latency_ms <= maxLatency), JSON.stringify(parents.map((p) => p.metrics.latency_ms)));
});

test('NSGA-II is elitist: when the front of all it evaluated outgrows the population, every parent is on it', () => {
  const strategy = createNsga2(space, { populationSize: 10 }, { seed: 5 });
  // 100 = 10 random + 9 generations of 10 children: the last selection has just happened.
  const history = driveSearch(strategy, evaluate, { budget: 100 });
  const front = new Set(paretoFront(points(history), ['max', 'min']).map((i) => history[i].proposal.key));
  assert.ok(front.size > 10, `front of ${front.size}`);
  const parentKeys = (strategy.state() as { parents: { key: string }[] }).parents.map((p) => p.key);
  assert.equal(parentKeys.length, 10);
  for (const k of parentKeys) assert.ok(front.has(k), `parent ${k} is dominated`);
});
