import * as d3 from 'd3';

export type Continuous = d3.ScaleContinuousNumeric<number, number>;

/** A linear or log scale over the values' extent with a little air; log needs positive values. */
export function axisScale(values: Iterable<number | null>, range: [number, number], log: boolean): Continuous {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v == null || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
  if (log) {
    const pad = Math.pow(hi / lo || 10, 0.04);
    return d3.scaleLog().domain([lo / pad, hi * pad]).range(range);
  }
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.04;
  return d3.scaleLinear().domain([lo - pad, hi + pad]).range(range);
}

/** Early generations stay visible on white: the ramp starts a third of the way in. */
export function sequential(domain: [number, number]): (v: number) => string {
  const [a, b] = domain;
  const s = d3.scaleSequential(d3.interpolateYlGnBu).domain([a - (b - a || 1) * 0.45, b]);
  return (v) => s(v);
}

export const RUN_COLORS = ['#1f6f8b', '#d9480f', '#2f855a', '#7c3aed', '#b7791f', '#c026d3', '#0f766e', '#64748b'];
