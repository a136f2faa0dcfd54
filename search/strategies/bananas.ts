/**
 * BANANAS (White, Neiswanger and Savani, AAAI 2021), the predictor-guided search: after a few
 * random samples, an ensemble of small MLPs (predictor/) is fitted to every architecture
 * evaluated so far, a pool of mutations of the best ones is drafted, and the drafts with the best
 * acquisition are proposed: independent Thompson sampling (one draw from each draft's predicted
 * normal) or an upper confidence bound (mean + beta * spread). A fit chooses `batch` proposals
 * (BANANAS proposes 10 per round), handed out over the next asks; the predictor is refitted when
 * they are used up.
 *
 * The features are the genotype's encoding (predictor/encode.ts) and, when a scorer is given,
 * zero-cost scores of each proposal (signed log, like the registry's log scales): NAS-Bench-Suite-
 * Zero found them to improve predictors. Scores are kept per key in the state, so a resumed search
 * fits on the same features without scoring again.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { constraintSchema, fitnessOf, fitnessSchema, violationOf } from './fitness.ts';
import { askUpTo, DEFAULT_RETRIES, ledgerStateSchema, memberSchema, restoreMember, rngStateSchema, settleAll, startStrategy, type Member } from './ledger.ts';
import { fitEnsemble, type Prediction } from './predictor/ensemble.ts';
import type { Encoder } from './predictor/encode.ts';
import type { Proposal, Strategy } from './types.ts';

export const bananasOptionsSchema = z.strictObject({
  /** Random samples before the first fit. */
  initial: z.int().min(2).default(10),
  /** Proposals chosen per fit. */
  batch: z.int().min(1).default(5),
  /** Mutations drafted per fit, from the best `parents` evaluated architectures. */
  drafts: z.int().min(1).default(100),
  parents: z.int().min(1).default(10),
  acquisition: z.enum(['its', 'ucb']).default('its'),
  /** UCB's weight on the spread. */
  beta: z.number().min(0).default(1),
  members: z.int().min(1).default(5),
  epochs: z.int().min(1).default(200),
  fitness: fitnessSchema.default({ kind: 'metric', metric: 'accuracy' }),
  /** Infeasible architectures are kept out of the parents (the predictor still learns from them). */
  constraints: z.array(constraintSchema).default([]),
  retries: z.int().min(1).default(DEFAULT_RETRIES),
});
export type BananasOptions = z.input<typeof bananasOptionsSchema>;

const draftSchema = z.object({ genotype: z.unknown(), parentKey: z.string(), generation: z.int().min(0), predicted: z.number().optional() });

const stateSchema = z.object({
  kind: z.literal('bananas'),
  rng: rngStateSchema,
  ledger: ledgerStateSchema,
  sampled: z.int().min(0),
  members: z.array(memberSchema),
  /** Chosen by the last fit, not yet proposed. */
  chosen: z.array(draftSchema),
  /** Zero-cost features of every proposal, by key (empty without a scorer). */
  scores: z.record(z.string(), z.array(z.number())),
  /** The predictor's mean for each proposal it chose, by key, until its result is told (absent in states of earlier versions). */
  predicted: z.record(z.string(), z.number()).default({}),
});

/** What the strategy needs besides its options: the encoding, and optionally zero-cost scores of proposals. */
export interface BananasTools<G extends Genotype> {
  encode: Encoder;
  /** One row of scores per proposal (NaN: undefined). */
  score?: (proposals: readonly Proposal<G>[]) => number[][];
}

/** Signed log: proxies such as synflow span tens of orders of magnitude. */
const squash = (v: number): number => (Number.isFinite(v) ? Math.sign(v) * Math.log1p(Math.abs(v)) : 0);

/** Thompson sampling draws one value from each prediction; UCB adds beta spreads to the mean. */
export function acquire(p: readonly Prediction[], o: { acquisition: 'its' | 'ucb'; beta: number }, normal: () => number): number[] {
  return p.map((x) => (o.acquisition === 'its' ? x.mean + x.std * normal() : x.mean + o.beta * x.std));
}

export function createBananas<G extends Genotype>(
  space: Space<G>,
  options: BananasOptions,
  tools: BananasTools<G>,
  start: { seed: number } | { state: unknown },
): Strategy<G> {
  const o = bananasOptionsSchema.parse(options);
  const { saved, rng, ledger } = startStrategy(space, stateSchema, start);
  let sampled = saved?.sampled ?? 0;
  const members: Member<G>[] = (saved?.members ?? []).map((m) => restoreMember(space, m));
  const chosen = (saved?.chosen ?? []).map((d) => ({ ...d, genotype: space.validate(d.genotype) }));
  const scores: Record<string, number[]> = saved?.scores ?? {};
  const predicted: Record<string, number> = saved?.predicted ?? {};

  const draftKey = (g: G) => space.key(g);
  const features = (key: string, g: G): number[] => [...tools.encode(g), ...(scores[key] ?? []).map(squash)];
  const scoreAll = (ps: readonly Proposal<G>[]) => {
    if (!tools.score || ps.length === 0) return;
    tools.score(ps).forEach((row, i) => { scores[ps[i].key] = row; });
  };

  const sample = (): Proposal<G> | undefined => {
    const p = ledger.propose(() => space.sample(rng), { generation: 0 }, o.retries);
    if (p) { sampled++; scoreAll([p]); }
    return p;
  };

  /** Fits the predictor, drafts mutations of the best, and keeps the `batch` with the best acquisition. */
  const choose = (): void => {
    const known = scored();
    const predictor = fitEnsemble(known.map(({ m }) => features(m.key, m.genotype)), known.map(({ f }) => f), rng, { members: o.members, epochs: o.epochs });
    const ranked = known.map(({ m, f }) => ({ m, f, ok: violationOf(m.metrics, o.constraints) === 0 }))
      .sort((a, b) => Number(b.ok) - Number(a.ok) || b.f - a.f).slice(0, o.parents);
    const drafts = new Map<string, Proposal<G>>();
    for (let t = 0; t < o.drafts * 4 && drafts.size < o.drafts; t++) {
      const parent = ranked[t % ranked.length].m;
      const genotype = space.mutate(parent.genotype, rng);
      const key = draftKey(genotype);
      if (!ledger.known(key) && !drafts.has(key)) drafts.set(key, { genotype, key, parentKey: parent.key, generation: parent.generation + 1 });
    }
    const pool = [...drafts.values()];
    scoreAll(pool);
    const predictions = pool.map((p) => predictor(features(p.key, p.genotype)));
    const values = acquire(predictions, o, () => rng.normal());
    const best = pool.map((p, i) => [values[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, o.batch);
    for (const [, i] of best) chosen.push({ genotype: pool[i].genotype, parentKey: pool[i].parentKey!, generation: pool[i].generation, predicted: predictions[i].mean });
    // Drafts not chosen keep no scores: the state stays the size of what was proposed.
    for (const p of pool) if (!best.some(([, i]) => pool[i].key === p.key)) delete scores[p.key];
  };

  /** Members whose fitness is a number (a result may lack the metric it ranks by). */
  const scored = () => members.map((m) => ({ m, f: fitnessOf(m.metrics, o.fitness) })).filter(({ f }) => Number.isFinite(f));

  const next = (): Proposal<G> | undefined => {
    if (sampled < o.initial || (chosen.length === 0 && scored().length < 2)) return sample();
    if (chosen.length === 0) choose();
    const d = chosen.shift();
    const p = d && ledger.propose(() => d.genotype, { parentKey: d.parentKey, generation: d.generation }, 1);
    if (p && d.predicted !== undefined && Number.isFinite(d.predicted)) predicted[p.key] = d.predicted;
    // Nothing new near the best: a fresh sample keeps the search moving.
    return p ?? sample();
  };

  return {
    kind: 'bananas',
    ask: (n) => askUpTo(n, next),
    tell: (results) => {
      settleAll(ledger, results, (m) => members.push(m));
      for (const r of results) delete predicted[r.key];
    },
    state: () => ({ kind: 'bananas', rng: rng.state(), ledger: ledger.state(), sampled, members, chosen, scores, predicted }),
    predicted: (key) => predicted[key],
  };
}
