/**
 * A fixed list of genotypes, proposed in order (repeats of an architecture skipped): the
 * strategy of runs that measure given architectures rather than search, such as reference
 * tables and fidelity checks.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { askUpTo, createLedger, ledgerStateSchema } from './ledger.ts';
import type { Strategy } from './types.ts';

const stateSchema = z.object({
  kind: z.literal('list'),
  /** Index of the next genotype of the list to look at. */
  next: z.int().min(0),
  ledger: ledgerStateSchema,
});

export function createListStrategy<G extends Genotype>(space: Space<G>, genotypes: readonly unknown[], start: { seed: number } | { state: unknown }): Strategy<G> {
  const list = genotypes.map((g, i) => space.validate(g, `genotype ${i + 1} of the list`));
  const saved = 'state' in start ? stateSchema.parse(start.state) : undefined;
  const ledger = createLedger(space, saved?.ledger);
  let next = saved?.next ?? 0;

  return {
    kind: 'list',
    ask: (n) => askUpTo(n, () => {
      while (next < list.length) {
        const g = list[next++];
        // One draw: a genotype already proposed is skipped, not retried.
        const p = ledger.propose(() => g, { generation: 0 }, 1);
        if (p) return p;
      }
      return undefined;
    }),
    tell(results) {
      for (const r of results) ledger.settle(r);
    },
    state: () => ({ kind: 'list', next, ledger: ledger.state() }),
  };
}
