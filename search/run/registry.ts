/**
 * Every strategy `cellscape search --strategy NAME` accepts, and how it runs; `resume` finds a
 * stored run's driver here by the run's strategy.
 *
 * Adding a strategy is one new file plus one line here:
 * - an ask/tell strategy (ask, tell, state: strategies/types.ts) is a file under
 *   search/strategies/, listed with `askTell`: the factory that makes it from the run config;
 * - a supernet method (a trainer with epochs, checkpoints and events) is a run driver under
 *   search/run/drivers/ (RunDriver: its flags, config and state schemas, drive), listed with
 *   `driver`: loaded only when chosen, so that its training code costs nothing to other runs.
 */
import { createAgingEvolution } from '../strategies/aging-evolution.ts';
import { createNsga2 } from '../strategies/nsga2.ts';
import { createRandomSearch } from '../strategies/random.ts';
import { createListStrategy } from '../strategies/list.ts';
import { createBananas } from '../strategies/bananas.ts';
import { encoderFor } from '../strategies/predictor/encode.ts';
import type { LoadedSpace } from '../space/load.ts';
import { UsageError } from '../util/errors.ts';
import { askTell, type StrategyFactory } from './drivers/ask-tell.ts';
import type { AnyDriver } from './session.ts';

/** `internal`: runs other commands make (reference tables, fidelity checks); `search` does not offer it. */
export type StrategyEntry = { summary: string; internal?: true } & ({ askTell: StrategyFactory } | { driver: () => Promise<AnyDriver> });

export const STRATEGIES = {
  moo: {
    summary: 'NSGA-II over the objectives',
    askTell: (space, c, start) => createNsga2(space, {
      populationSize: c.population, objectives: c.objectives, constraints: c.constraints, crossoverProbability: c.crossover,
      start: c.start ?? 'random',
      ...(c.scalar ? { scalar: c.fitness } : {}),
    }, start),
  },
  evolution: {
    summary: 'aging evolution on one score',
    askTell: (space, c, start) => createAgingEvolution(space, { populationSize: c.population, sampleSize: c.sample, fitness: c.fitness, constraints: c.constraints }, start),
  },
  random: { summary: 'random sampling', askTell: (space, _c, start) => createRandomSearch(space, {}, start) },
  bananas: {
    summary: 'BANANAS: an MLP ensemble predicts accuracy; mutations of the best with the best acquisition are evaluated',
    askTell: (space, c, start, tools) => createBananas(space, {
      fitness: c.fitness, constraints: c.constraints, acquisition: c.predictor?.acquisition,
    }, { encode: encoderFor(space as LoadedSpace), score: tools?.score }, start),
  },
  list: { summary: 'a fixed list of genotypes, in order', internal: true, askTell: (space, c, start) => createListStrategy(space, c.genotypes ?? [], start) },
  darts: { summary: 'DARTS supernet search of a cell space, its genotype then trained from scratch', driver: async () => (await import('./drivers/darts.ts')).dartsDriver },
  spos: { summary: 'single-path one-shot supernet training of a cell space, for --evaluator oneshot:RUN', driver: async () => (await import('./drivers/spos.ts')).sposDriver },
  ofa: { summary: 'Once-for-All elastic supernet training of a block space (progressive shrinking), for --evaluator oneshot:RUN and specialise', driver: async () => (await import('./drivers/ofa.ts')).ofaDriver },
} satisfies Record<string, StrategyEntry>;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as [StrategyName, ...StrategyName[]];
/** What `cellscape search --strategy` accepts. */
export const SEARCH_STRATEGIES = STRATEGY_NAMES.filter((n) => !('internal' in STRATEGIES[n])) as [StrategyName, ...StrategyName[]];

function entryOf(strategy: string): StrategyEntry {
  const entry = (STRATEGIES as Record<string, StrategyEntry>)[strategy];
  if (!entry) throw new UsageError(`strategy '${strategy}' is not one this version runs (${STRATEGY_NAMES.join(', ')})`);
  return entry;
}

/** The driver that runs a strategy. */
export async function driverOf(strategy: string): Promise<AnyDriver> {
  const entry = entryOf(strategy);
  return 'askTell' in entry ? askTell(entry.askTell) : entry.driver();
}

/** The factory of an ask/tell strategy. */
export function askTellFactory(strategy: string): StrategyFactory {
  const entry = entryOf(strategy);
  if (!('askTell' in entry)) throw new Error(`strategy '${strategy}' is not an ask/tell strategy`);
  return entry.askTell;
}
