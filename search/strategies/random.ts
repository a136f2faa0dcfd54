/**
 * Random search: uniform samples of the space, never the same architecture twice. The baseline
 * every other strategy has to beat at equal budget.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { createRng } from '../util/rng.ts';
import { createLedger, DEFAULT_RETRIES, ledgerStateSchema, rngStateSchema } from './ledger.ts';
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
  const saved = 'state' in start ? stateSchema.parse(start.state) : undefined;
  const rng = createRng(saved ? saved.rng : (start as { seed: number }).seed);
  const ledger = createLedger(space, saved?.ledger);

  return {
    kind: 'random',
    ask(n) {
      const out = [];
      for (let i = 0; i < n; i++) {
        const p = ledger.propose(() => space.sample(rng), { generation: 0 }, o.retries);
        if (!p) break;
        out.push(p);
      }
      return out;
    },
    tell(results) {
      // Random search learns nothing from results, failed or not; it only closes the proposals.
      for (const r of results) ledger.settle(r);
    },
    state: () => ({ kind: 'random', rng: rng.state(), ledger: ledger.state() }),
  };
}
