/** The strategy a run config names, started from a seed or restored from saved state. */
import { createAgingEvolution } from '../strategies/aging-evolution.ts';
import { createNsga2 } from '../strategies/nsga2.ts';
import { createRandomSearch } from '../strategies/random.ts';
import { createListStrategy } from '../strategies/list.ts';
import type { Strategy } from '../strategies/types.ts';
import type { Genotype, Space } from '../space/types.ts';
import type { RunConfig } from './config.ts';

export function makeStrategy(space: Space<Genotype>, c: RunConfig, start: { seed: number } | { state: unknown }): Strategy<Genotype> {
  switch (c.strategy) {
    case 'evolution':
      return createAgingEvolution(space, { populationSize: c.population, sampleSize: c.sample, fitness: c.fitness, constraints: c.constraints }, start);
    case 'moo':
      return createNsga2(space, {
        populationSize: c.population, objectives: c.objectives, constraints: c.constraints, crossoverProbability: c.crossover,
        ...(c.scalar ? { scalar: c.fitness } : {}),
      }, start);
    case 'random':
      return createRandomSearch(space, {}, start);
    case 'list':
      return createListStrategy(space, c.genotypes ?? [], start);
  }
}
