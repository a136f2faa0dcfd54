/**
 * How evolution ranks results: a scalar fitness (one metric, or a score folding accuracy and
 * cost) and hard upper bounds on metrics. Options are zod schemas because they come from the
 * command line or a config file and are stored with the run.
 */
import { z } from 'zod';
import { metricNames, type Metrics } from '../objectives/metrics.ts';
import { violation } from '../objectives/constraints.ts';
import { mnasScore, weightedScore } from '../objectives/scores.ts';

export const metricSchema = z.enum(metricNames);

export const constraintSchema = z.strictObject({
  metric: metricSchema,
  max: z.number(),
});
export type Constraint = z.infer<typeof constraintSchema>;

export const fitnessSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('metric'), metric: metricSchema }),
  z.strictObject({
    kind: z.literal('weighted'),
    accuracy: z.number().default(1),
    latency: z.number().default(0),
    params: z.number().default(0),
  }),
  z.strictObject({
    kind: z.literal('mnas'),
    targetMs: z.number().positive(),
    alpha: z.number().default(-0.07),
    beta: z.number().default(-0.07),
  }),
]);
export type Fitness = z.infer<typeof fitnessSchema>;

/** Larger is better. A 'metric' fitness on a minimized metric (latency, params, ...) is negated. */
export function fitnessOf(m: Metrics, f: Fitness): number {
  switch (f.kind) {
    case 'metric': {
      const v = m[f.metric];
      if (typeof v !== 'number') throw new Error(`result has no '${f.metric}' to rank by`);
      return f.metric === 'accuracy' || f.metric === 'score' ? v : -v;
    }
    case 'weighted':
      return weightedScore(m, f);
    case 'mnas':
      if (typeof m.latencyMs !== 'number') throw new Error("the MnasNet score needs a 'latencyMs' result");
      return mnasScore(m.accuracy, m.latencyMs, f);
  }
}

/** Total relative excess over the bounds (0 = feasible); an unmeasured bounded metric is infeasible. */
export function violationOf(m: Metrics, constraints: readonly Constraint[]): number {
  const values = constraints.map((c) => m[c.metric] ?? NaN);
  return violation(values, constraints.map((c, index) => ({ index, max: c.max })));
}
