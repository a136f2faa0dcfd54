/**
 * Multi-objective evolution with NSGA-II selection (Deb et al. 2002): parents are chosen by
 * binary tournament on (front rank, crowding distance); once P children have results, parents
 * and children together are cut back to P by fronts, the last front by crowding distance so the
 * population spreads along the trade-off. Hard constraints rank infeasible members after every
 * feasible one by violation. With `scalar`, the single objective is that score (maximized).
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { metricDirection, objectiveVector, type Metrics } from '../objectives/metrics.ts';
import { crowdingDistance, type Direction } from '../objectives/pareto.ts';
import { constrainedSort } from '../objectives/constraints.ts';
import { constraintSchema, fitnessOf, fitnessSchema, metricSchema, violationOf } from './fitness.ts';
import { askUpTo, DEFAULT_RETRIES, ledgerStateSchema, memberSchema, restoreMember, rngStateSchema, settleAll, startStrategy, type Member } from './ledger.ts';
import type { Proposal, Strategy } from './types.ts';

export const nsga2OptionsSchema = z.strictObject({
  populationSize: z.int().min(2).default(50),
  objectives: z.array(metricSchema).min(1).default(['accuracy', 'latency_ms']),
  scalar: fitnessSchema.optional(),
  constraints: z.array(constraintSchema).default([]),
  crossoverProbability: z.number().min(0).max(1).default(0),
  /**
   * The first population: uniform samples, or `spread` over the space's cost (its k-th of P members
   * drawn at cost level k / (P - 1), where the space can: Space.sampleAtCost). Uniform samples of a
   * cell space all land in the middle of its cost range, and accuracy there is flat in cost.
   */
  start: z.enum(['random', 'spread']).default('random'),
  retries: z.int().min(1).default(DEFAULT_RETRIES),
});
export type Nsga2Options = z.input<typeof nsga2OptionsSchema>;

const stateSchema = z.object({
  kind: z.literal('nsga2'),
  rng: rngStateSchema,
  ledger: ledgerStateSchema,
  generation: z.int().min(0),
  parents: z.array(memberSchema),
  offspring: z.array(memberSchema),
  /** First-population samples drawn so far (states saved before `start` existed: none needed). */
  started: z.int().min(0).default(0),
});

interface Ranked { rank: number[]; crowding: number[] }

export function createNsga2<G extends Genotype>(
  space: Space<G>,
  options: Nsga2Options,
  start: { seed: number } | { state: unknown },
): Strategy<G> {
  const o = nsga2OptionsSchema.parse(options);
  const { saved, rng, ledger } = startStrategy(space, stateSchema, start);
  let generation = saved?.generation ?? 0;
  let parents: Member<G>[] = (saved?.parents ?? []).map((m) => restoreMember(space, m));
  let offspring: Member<G>[] = (saved?.offspring ?? []).map((m) => restoreMember(space, m));
  let started = saved?.started ?? 0;

  const directions: Direction[] = o.scalar ? ['max'] : o.objectives.map((m) => metricDirection[m]);
  const vector = (m: Metrics): number[] => (o.scalar ? [fitnessOf(m, o.scalar)] : objectiveVector(m, o.objectives));

  /** Fronts (constraint-aware) and crowding distances of a set of members. */
  const rankMembers = (members: readonly Member<G>[]): { fronts: number[][] } & Ranked => {
    const points = members.map((m) => vector(m.metrics));
    const fronts = constrainedSort(points, directions, members.map((m) => violationOf(m.metrics, o.constraints)));
    const rank = new Array<number>(members.length);
    const crowding = new Array<number>(members.length);
    fronts.forEach((front, r) => {
      const d = crowdingDistance(points, front);
      front.forEach((i, k) => { rank[i] = r; crowding[i] = d[k]; });
    });
    return { fronts, rank, crowding };
  };

  let ranked: Ranked = rankMembers(parents);

  const select = (pool: Member<G>[], size: number): Member<G>[] => {
    const { fronts, crowding } = rankMembers(pool);
    const chosen: number[] = [];
    for (const front of fronts) {
      if (chosen.length + front.length <= size) { chosen.push(...front); continue; }
      const byCrowding = [...front].sort((a, b) => crowding[b] - crowding[a] || a - b);
      chosen.push(...byCrowding.slice(0, size - chosen.length));
      break;
    }
    return chosen.sort((a, b) => a - b).map((i) => pool[i]);
  };

  const tournament = (): Member<G> => {
    const a = rng.int(parents.length);
    const b = rng.int(parents.length);
    const wins = ranked.rank[a] < ranked.rank[b] || (ranked.rank[a] === ranked.rank[b] && ranked.crowding[a] > ranked.crowding[b]);
    return parents[wins || a === b ? a : b];
  };

  const sample = (): Proposal<G> | undefined => ledger.propose(() => space.sample(rng), { generation: 0 }, o.retries);

  /** A member of the first population: at the next cost level when spread (cheapest first). */
  const firstSample = (): Proposal<G> | undefined => {
    if (o.start === 'random' || !space.sampleAtCost) return sample();
    const level = (started++ % o.populationSize) / (o.populationSize - 1);
    return ledger.propose(() => space.sampleAtCost!(rng, level), { generation: 0 }, o.retries);
  };

  const child = (): Proposal<G> | undefined => {
    const first = tournament();
    const draw = (): G => {
      const base = rng.next() < o.crossoverProbability ? space.crossover(first.genotype, tournament().genotype, rng) : first.genotype;
      return space.mutate(base, rng);
    };
    return ledger.propose(draw, { parentKey: first.key, generation: generation + 1 }, o.retries) ?? sample();
  };

  return {
    kind: 'nsga2',
    ask: (n) => askUpTo(n, () => (parents.length === 0 ? firstSample() : child())),
    tell(results) {
      settleAll(ledger, results, (m) => {
        offspring.push(m);
        if (offspring.length >= o.populationSize) {
          if (parents.length > 0) generation++;
          parents = select([...parents, ...offspring], o.populationSize);
          offspring = [];
          ranked = rankMembers(parents);
        }
      });
    },
    state: () => ({ kind: 'nsga2', rng: rng.state(), ledger: ledger.state(), generation, parents, offspring, started }),
  };
}
