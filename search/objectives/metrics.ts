/**
 * Metrics as objectives: their directions come from the metric registry, and `objectiveVector`
 * turns a result's values into the numbers the Pareto functions take.
 */
import { metricRegistry, type MetricName, type MetricValues } from '../contracts/metrics.ts';
import type { Direction } from './pareto.ts';

export type Metric = MetricName;
export type Metrics = MetricValues;

export const metricDirection = Object.fromEntries(metricRegistry.map((m) => [m.name, m.direction])) as Record<Metric, Direction>;

/** The values of the named metrics; a metric the result lacks is an error naming it. */
export function objectiveVector(m: Metrics, metrics: readonly Metric[]): number[] {
  return metrics.map((name) => {
    const v = m[name];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`result has no '${name}' to optimize`);
    return v;
  });
}
