/**
 * How evolution ranks results: a scalar fitness (one metric, or a score folding accuracy and
 * cost) and hard upper bounds on metrics. Options are zod schemas because they come from the
 * command line or a config file and are stored with the run.
 */
import { z } from 'zod';
import { metricNames, type MetricName } from '../contracts/metrics.ts';
import { metricDirection, type Metrics } from '../objectives/metrics.ts';
import { violation } from '../objectives/constraints.ts';
import { mnasScore, weightedScore } from '../objectives/scores.ts';

export const metricSchema = z.enum(metricNames as [MetricName, ...MetricName[]]);

export const constraintSchema = z.strictObject({
  metric: metricSchema,
  max: z.number(),
});
export type Constraint = z.infer<typeof constraintSchema>;

export const fitnessSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('metric'), metric: metricSchema }),
  z.strictObject({
    kind: z.literal('weighted'),
    /** The quality the weight `accuracy` applies to (mIoU for segmentation). */
    quality: metricSchema.default('accuracy'),
    accuracy: z.number().default(1),
    latency: z.number().default(0),
    params: z.number().default(0),
  }),
  z.strictObject({
    kind: z.literal('mnas'),
    quality: metricSchema.default('accuracy'),
    targetMs: z.number().positive(),
    alpha: z.number().default(-0.07),
    beta: z.number().default(-0.07),
  }),
]);
export type Fitness = z.infer<typeof fitnessSchema>;

function need(m: Metrics, name: MetricName, what: string): number {
  const v = m[name];
  if (typeof v !== 'number') throw new Error(`${what} needs a '${name}' result`);
  return v;
}

/** Larger is better. A 'metric' fitness on a minimized metric (latency, params, ...) is negated. */
export function fitnessOf(m: Metrics, f: Fitness): number {
  switch (f.kind) {
    case 'metric': {
      const v = need(m, f.metric, 'ranking');
      return metricDirection[f.metric] === 'max' ? v : -v;
    }
    case 'weighted':
      return weightedScore(need(m, f.quality, 'the weighted score'), m, f);
    case 'mnas':
      return mnasScore(need(m, f.quality, 'the MnasNet score'), need(m, 'latency_ms', 'the MnasNet score'), f);
  }
}

/** Total relative excess over the bounds (0 = feasible); an unmeasured bounded metric is infeasible. */
export function violationOf(m: Metrics, constraints: readonly Constraint[]): number {
  const values = constraints.map((c) => m[c.metric] ?? NaN);
  return violation(values, constraints.map((c, index) => ({ index, max: c.max })));
}
