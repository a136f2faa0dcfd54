/**
 * The measured quantities a search can optimize, and their natural directions. Strategies and
 * reports name objectives by these keys; `objectiveVector` turns a result into the numbers the
 * Pareto functions take.
 */
import type { Direction } from './pareto.ts';

export const metricNames = ['accuracy', 'latencyMs', 'params', 'flops', 'score'] as const;
export type Metric = (typeof metricNames)[number];

export interface Metrics {
  accuracy: number;
  latencyMs?: number | null;
  params?: number | null;
  flops?: number | null;
  score?: number | null;
}

export const metricDirection: Record<Metric, Direction> = {
  accuracy: 'max', latencyMs: 'min', params: 'min', flops: 'min', score: 'max',
};

/** The values of the named metrics; a metric the result lacks is an error naming it. */
export function objectiveVector(m: Metrics, metrics: readonly Metric[]): number[] {
  return metrics.map((name) => {
    const v = m[name];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`result has no '${name}' to optimize`);
    return v;
  });
}
