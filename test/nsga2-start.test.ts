/**
 * NSGA-II's first population spread over cost (`--start spread`): uniform samples of a cell space
 * all land in the middle of its MACs, so the spread start draws its k-th member at cost level
 * k / (P - 1), from the space's parameter-free choices to its weighted ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { PARAMETER_FREE_OPS } from '../search/space/ops.ts';
import { createNsga2, type Nsga2Options } from '../search/strategies/nsga2.ts';
import { createRng } from '../search/util/rng.ts';
import type { CellGenotype, Space } from '../search/space/types.ts';
import { flagsSchema } from '../search/commands/search.ts';
import { configFrom, withTaskDefaults } from '../search/run/drivers/ask-tell.ts';

const space = loadSpace(resolveSpacePath('darts-fmnist-small')) as unknown as Space<CellGenotype>;
const edges = (g: CellGenotype) => [...g.normal, ...g.reduce];
const freeEdges = (g: CellGenotype) => edges(g).filter(([op]) => PARAMETER_FREE_OPS.includes(op)).length;

async function macsOf(g: CellGenotype): Promise<number> {
  await tf.setBackend('cpu');
  const net = buildNetwork(space as never, g);
  try { return net.flops(); } finally { net.dispose(); }
}

test('a cell space sampled at cost level 0 has only parameter-free edges, at level 1 none, and is a valid genotype', () => {
  const rng = createRng(3);
  for (let i = 0; i < 20; i++) {
    const cheap = space.sampleAtCost!(rng, 0);
    const dear = space.sampleAtCost!(rng, 1);
    assert.equal(freeEdges(cheap), edges(cheap).length);
    assert.equal(freeEdges(dear), 0);
    assert.deepEqual(space.validate(JSON.parse(JSON.stringify(cheap))), cheap);
    assert.deepEqual(space.validate(JSON.parse(JSON.stringify(dear))), dear);
  }
  assert.throws(() => space.sampleAtCost!(rng, 1.5), /cost level must be in \[0, 1\], got 1.5/);
});

test('a spread first population runs from the space\'s cheapest networks to its dearest, wider than a uniform one', async () => {
  for (const seed of [0, 1]) {
    const spread = createNsga2(space, { populationSize: 8, objectives: ['accuracy', 'flops'], start: 'spread' }, { seed }).ask(8);
    const uniform = createNsga2(space, { populationSize: 8, objectives: ['accuracy', 'flops'] }, { seed }).ask(8);
    assert.equal(spread.length, 8);
    assert.equal(freeEdges(spread[0].genotype), edges(spread[0].genotype).length, 'member 0 at level 0');
    assert.equal(freeEdges(spread[7].genotype), 0, 'member 7 at level 1');
    const spreadMacs = await Promise.all(spread.map((p) => macsOf(p.genotype)));
    const uniformMacs = await Promise.all(uniform.map((p) => macsOf(p.genotype)));
    assert.ok(Math.min(...spreadMacs) < Math.min(...uniformMacs), `seed ${seed}: spread ${spreadMacs} vs uniform ${uniformMacs}`);
    assert.ok(Math.max(...spreadMacs) - Math.min(...spreadMacs) > Math.max(...uniformMacs) - Math.min(...uniformMacs), `seed ${seed}: spread ${spreadMacs} vs uniform ${uniformMacs}`);
  }
});

test('a spread start restored from state() in its first population goes on at the next cost level', () => {
  const options: Nsga2Options = { populationSize: 8, objectives: ['accuracy', 'flops'], start: 'spread' };
  const straight = createNsga2(space, options, { seed: 5 }).ask(8).map((p) => p.key);
  const first = createNsga2(space, options, { seed: 5 });
  const before = first.ask(3).map((p) => p.key);
  const restored = createNsga2(space, options, { state: JSON.parse(JSON.stringify(first.state())) });
  assert.deepEqual([...before, ...restored.ask(5).map((p) => p.key)], straight);
});

test('--start reaches the run config of an NSGA-II search and is refused for other strategies', () => {
  const configOf = (flags: Record<string, string>) =>
    configFrom(withTaskDefaults(flagsSchema.parse({ space: 'darts-fmnist-small', ...flags }), 'classification'), resolveSpacePath('darts-fmnist-small'), 'classification');
  assert.equal(configOf({ start: 'spread' }).start, 'spread');
  assert.equal(configOf({ strategy: 'random' }).start, undefined);
  assert.throws(() => configOf({ strategy: 'evolution', start: 'spread' }), /--start spread: only --strategy moo/);
  assert.throws(() => flagsSchema.parse({ start: 'cheap' }), /start/);
});
