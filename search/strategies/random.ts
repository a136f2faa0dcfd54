/**
 * Random search: uniform samples of the space, never the same architecture twice. The baseline
 * every other strategy has to beat at equal budget.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { askUpTo, DEFAULT_RETRIES, ledgerStateSchema, rngStateSchema, startStrategy } from './ledger.ts';
import type { Strategy } from './types.ts';

export const randomOptionsSchema = z.strictObject({
  retries: z.int().min(1).default(DEFAULT_RETRIES),
});
export type RandomOptions = z.input<typeof randomOptionsSchema>;

const stateSchema = z.object({
  kind: z.literal('random'),
  rng: rngStateSchema,
  ledger: ledgerStateSchema,
});

export function createRandomSearch<G extends Genotype>(
  space: Space<G>,
  options: RandomOptions,
  start: { seed: number } | { state: unknown },
): Strategy<G> {
  const o = randomOptionsSchema.parse(options);
  const { rng, ledger } = startStrategy(space, stateSchema, start);

  return {
    kind: 'random',
    ask: (n) => askUpTo(n, () => ledger.propose(() => space.sample(rng), { generation: 0 }, o.retries)),
    tell(results) {
      // Random search learns nothing from results, failed or not; it only closes the proposals.
      for (const r of results) ledger.settle(r);
    },
    state: () => ({ kind: 'random', rng: rng.state(), ledger: ledger.state() }),
  };
}
