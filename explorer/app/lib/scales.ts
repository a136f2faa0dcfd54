import * as d3 from 'd3';

export type Continuous = d3.ScaleContinuousNumeric<number, number>;

/**
 * A tick label that sees every tick of its axis, so it can take the decimals its neighbours need.
 * A plain `(v) => string` is one too: it ignores them.
 */
export type TickFormat = (v: number, ticks: readonly number[]) => string;

/**
 * Ticks of an axis over whole numbers (epochs, candidates evaluated): the integers among d3's
 * ticks. On a short run d3 ticks 0, 0.2, 0.4, ... and a whole-number label read "0 0 0 1 1 1".
 */
export function integerTicks(domain: readonly number[], count: number): number[] {
  const [a, b] = d3.extent(domain) as [number, number];
  return d3.ticks(a, b, count).filter(Number.isInteger);
}

/** Decimals that tell the closest two ticks apart in fixed point after scaling by `factor`, and never fewer than `min`. */
export function fixedDigits(ticks: readonly number[], factor: number, min: number): number {
  let step = Infinity;
  for (let i = 1; i < ticks.length; i++) step = Math.min(step, Math.abs(ticks[i] - ticks[i - 1]) * factor);
  // Ticks 0.029 and 0.03 differ by 0.00099999...: rounded, the step is the 0.001 it was meant to be.
  return Number.isFinite(step) && step > 0 ? Math.max(min, d3.precisionFixed(+step.toPrecision(12))) : min;
}

/** Percent labels: `min` decimals, more when the ticks are closer (a flat 3% curve reads "2.9% 3.0% 3.1%", not "3% 3% 3%"). */
export const percentTicks = (min = 0): TickFormat => (v, ticks) => `${(v * 100).toFixed(fixedDigits(ticks, 100, min))}%`;

/** Fixed-point labels with at least `min` decimals, more when the ticks need them. */
export const fixedTicks = (min: number): TickFormat => (v, ticks) => v.toFixed(fixedDigits(ticks, 1, min));

/**
 * The labels of an axis's ticks. A label equal to the one before it is left blank: whatever the
 * format, an axis never prints the same value twice over different ticks.
 */
export function tickLabels(ticks: readonly number[], format: TickFormat): string[] {
  const out: string[] = [];
  let last: string | null = null;
  for (const t of ticks) {
    const label = format(t, ticks);
    out.push(label === last ? '' : label);
    last = label;
  }
  return out;
}

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
