import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nb201Space, syntheticMetrics } from './strategy-fixtures.ts';
import { createRandomSearch } from '../search/strategies/random.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import { createNsga2 } from '../search/strategies/nsga2.ts';
import type { Proposal, Result, Strategy } from '../search/strategies/types.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

const space = nb201Space();

type Start = { seed: number } | { state: unknown };
const makers: Record<string, (start: Start) => Strategy<TabularCellGenotype>> = {
  random: (start) => createRandomSearch(space, {}, start),
  aging: (start) => createAgingEvolution(space, { populationSize: 8, sampleSize: 3 }, start),
  nsga2: (start) => createNsga2(space, { populationSize: 8, crossoverProbability: 0.5 }, start),
};

/**
 * An asynchronous-looking schedule: ask 3, tell them back in a shuffled order one or two at a
 * time, every 7th evaluation failing, leaving some proposals open across the checkpoint.
 */
function step(s: Strategy<TabularCellGenotype>, open: Proposal<TabularCellGenotype>[], round: number): Proposal<TabularCellGenotype>[] {
  const asked = s.ask(3);
  open.push(...asked);
  const answer = open.splice(round % 2, 1 + (round % 2));
  s.tell(answer.map((p): Result => (p.key.length % 7 === 0 ? { key: p.key, error: 'diverged' } : { key: p.key, metrics: syntheticMetrics(p.genotype) })));
  return asked;
}

for (const [name, make] of Object.entries(makers)) {
  test(`${name}: a strategy restored from state() proposes exactly what the uninterrupted one does`, () => {
    const straight = make({ seed: 9 });
    const openA: Proposal<TabularCellGenotype>[] = [];
    const expected = Array.from({ length: 60 }, (_, r) => step(straight, openA, r)).flat().map((p) => [p.key, p.parentKey, p.generation]);

    let first = make({ seed: 9 });
    const openB: Proposal<TabularCellGenotype>[] = [];
    const got: Proposal<TabularCellGenotype>[] = [];
    for (let r = 0; r < 60; r++) {
      if (r === 23 || r === 41) first = make({ state: JSON.parse(JSON.stringify(first.state())) }); // through the database's JSON
      got.push(...step(first, openB, r));
    }
    assert.ok(openB.length > 0, 'proposals were still open at the checkpoints');
    assert.deepEqual(got.map((p) => [p.key, p.parentKey, p.generation]), expected);
    if (name !== 'random') assert.ok(got.some((p) => p.generation > 0), 'the run got past its random start');
  });
}

test('a result for a key that was never proposed is an error naming it', () => {
  const s = makers.aging({ seed: 1 });
  s.ask(2);
  assert.throws(() => s.tell([{ key: 'nope', metrics: { accuracy: 1 } }]), /'nope'/);
});

test('a state of another strategy or a damaged state is refused', () => {
  const state = makers.random({ seed: 1 }).state();
  assert.throws(() => makers.aging({ state }));
  const aging = makers.aging({ seed: 1 });
  aging.ask(1);
  const bad = JSON.parse(JSON.stringify(aging.state()));
  bad.ledger.pending[0].genotype = { nodes: [['conv_9x9']] };
  assert.throws(() => makers.aging({ state: bad }), /nodes/);
});

test('a tiny space runs dry: ask returns fewer proposals, then none', () => {
  const tiny = nb201Space({ nodes: 2 }); // one edge, five operations, five cells
  for (const s of [createRandomSearch(tiny, {}, { seed: 1 }), createAgingEvolution(tiny, { populationSize: 2, sampleSize: 1 }, { seed: 1 })]) {
    const first = s.ask(3);
    s.tell(first.map((p) => ({ key: p.key, metrics: { accuracy: 0.5 } })));
    const rest = s.ask(10);
    assert.equal(first.length + rest.length, 5, s.kind);
    assert.equal(new Set([...first, ...rest].map((p) => p.key)).size, 5);
    s.tell(rest.map((p) => ({ key: p.key, metrics: { accuracy: 0.5 } })));
    assert.deepEqual(s.ask(1), []);
  }
});

test('aging evolution keeps the P youngest results and breeds from the tournament winner', () => {
  const s = createAgingEvolution(space, { populationSize: 4, sampleSize: 4 }, { seed: 2 });
  const told: string[] = [];
  for (let i = 0; i < 12; i++) {
    const [p] = s.ask(1);
    if (i >= 4) {
      // With S = P the tournament sees everyone: the parent is the best of the population.
      const population = (s.state() as { population: { key: string; metrics: { accuracy: number } }[] }).population;
      const bestKey = population.reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a)).key;
      assert.equal(p.parentKey, bestKey);
    }
    s.tell([{ key: p.key, metrics: syntheticMetrics(p.genotype) }]);
    told.push(p.key);
  }
  const population = (s.state() as { population: { key: string }[] }).population.map((m) => m.key);
  assert.deepEqual(population, told.slice(-4), 'oldest removed first, regardless of fitness');
});
