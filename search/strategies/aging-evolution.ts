/**
 * Aging (regularized) evolution, Real et al. 2019: a population of P, filled first with random
 * samples; then each proposal is a mutation of the best of S members drawn at random, and each
 * result joins the population and pushes out its OLDEST member (not its worst), which keeps the
 * search from resting on a lucky early evaluation. Works asynchronously: proposals come from the
 * population as it stands when asked.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import type { Rng } from '../util/rng.ts';
import { constraintSchema, fitnessOf, fitnessSchema, violationOf } from './fitness.ts';
import { askUpTo, DEFAULT_RETRIES, ledgerStateSchema, memberSchema, restoreMember, rngStateSchema, settleAll, startStrategy, type Member } from './ledger.ts';
import type { Proposal, Strategy } from './types.ts';

export const agingOptionsSchema = z.strictObject({
  populationSize: z.int().min(2).default(50),
  sampleSize: z.int().min(1).default(10),
  fitness: fitnessSchema.default({ kind: 'metric', metric: 'accuracy' }),
  constraints: z.array(constraintSchema).default([]),
  retries: z.int().min(1).default(DEFAULT_RETRIES),
}).refine((o) => o.sampleSize <= o.populationSize, { message: 'sampleSize must not exceed populationSize', path: ['sampleSize'] });
export type AgingOptions = z.input<typeof agingOptionsSchema>;

const stateSchema = z.object({
  kind: z.literal('aging-evolution'),
  rng: rngStateSchema,
  ledger: ledgerStateSchema,
  sampled: z.int().min(0),
  population: z.array(memberSchema),
});

/** k distinct indices of [0, n), by a partial Fisher–Yates shuffle. */
export function sampleIndices(n: number, k: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k);
}

export function createAgingEvolution<G extends Genotype>(
  space: Space<G>,
  options: AgingOptions,
  start: { seed: number } | { state: unknown },
): Strategy<G> {
  const o = agingOptionsSchema.parse(options);
  const { saved, rng, ledger } = startStrategy(space, stateSchema, start);
  let sampled = saved?.sampled ?? 0;
  const population: Member<G>[] = (saved?.population ?? []).map((m) => restoreMember(space, m));

  // Feasible before infeasible, less violation first, then higher fitness.
  const better = (a: Member<G>, b: Member<G>): boolean => {
    const va = violationOf(a.metrics, o.constraints);
    const vb = violationOf(b.metrics, o.constraints);
    if (va !== vb) return va < vb;
    return fitnessOf(a.metrics, o.fitness) > fitnessOf(b.metrics, o.fitness);
  };

  const sample = (): Proposal<G> | undefined => {
    const p = ledger.propose(() => space.sample(rng), { generation: 0 }, o.retries);
    if (p) sampled++;
    return p;
  };

  const child = (): Proposal<G> | undefined => {
    const contenders = sampleIndices(population.length, Math.min(o.sampleSize, population.length), rng).map((i) => population[i]);
    const parent = contenders.reduce((best, m) => (better(m, best) ? m : best));
    return ledger.propose(() => space.mutate(parent.genotype, rng), { parentKey: parent.key, generation: parent.generation + 1 }, o.retries)
      // The winner's neighbourhood is used up: a fresh sample keeps the search moving.
      ?? sample();
  };

  return {
    kind: 'aging-evolution',
    ask: (n) => askUpTo(n, () => (sampled < o.populationSize || population.length === 0 ? sample() : child())),
    tell(results) {
      settleAll(ledger, results, (m) => {
        population.push(m);
        if (population.length > o.populationSize) population.shift();
      });
    },
    state: () => ({ kind: 'aging-evolution', rng: rng.state(), ledger: ledger.state(), sampled, population }),
  };
}
