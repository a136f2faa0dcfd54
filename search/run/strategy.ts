/** The ask/tell strategy a run config names, started from a seed or restored from saved state. */
import type { Strategy } from '../strategies/types.ts';
import type { Genotype, Space } from '../space/types.ts';
import type { RunConfig } from './config.ts';
import { askTellFactory } from './registry.ts';

export function makeStrategy(space: Space<Genotype>, c: RunConfig, start: { seed: number } | { state: unknown }): Strategy<Genotype> {
  return askTellFactory(c.strategy)(space, c, start);
}
