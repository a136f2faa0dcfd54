/**
 * Does a doubled training budget rank architectures differently, or only less noisily? Each budget
 * is measured at two seeds on the same architectures. Correlating one budget's seed-s run with the
 * other budget's run at the other seed shares no training noise; dividing that by the geometric
 * mean of each budget's own seed-to-seed correlation removes what the noise of each takes away
 * (Spearman's correction for attenuation, on ranks). Near 1, the two budgets order the
 * architectures alike and the longer one only removes noise; well below 1, it really reorders them.
 * Pure: no files, a seeded bootstrap over architectures for the interval.
 */
import { createRng } from '../util/rng.ts';
import { spearman } from './agreement.ts';

/** One budget's two seeds, index-aligned on the same architectures. */
export interface SeedPair { a: readonly number[]; b: readonly number[] }

export interface BudgetAgreement {
  n: number;
  /** Seed-to-seed Spearman within each budget (its noise ceiling). */
  withinShort: number;
  withinLong: number;
  /** Across budgets on the same seed: shares part of the noise, so it flatters. */
  sameSeed: number;
  /** Across budgets on different seeds: no shared noise, attenuated by both budgets' noise. */
  crossSeed: number;
  /** crossSeed over sqrt(withinShort * withinLong): the agreement of the noise-free orders (NaN when a budget has no signal). */
  corrected: number;
}

const mean2 = (x: number, y: number) => (x + y) / 2;

export function budgetAgreement(short: SeedPair, long: SeedPair): BudgetAgreement {
  const n = short.a.length;
  if ([short.b, long.a, long.b].some((v) => v.length !== n)) throw new Error('budget agreement: the four runs must hold the same architectures');
  if (n < 3) throw new Error(`budget agreement of ${n} architectures: needs at least 3`);
  const withinShort = spearman(short.a, short.b), withinLong = spearman(long.a, long.b);
  const crossSeed = mean2(spearman(short.a, long.b), spearman(short.b, long.a));
  const ceiling = withinShort * withinLong;
  return {
    n, withinShort, withinLong, crossSeed,
    sameSeed: mean2(spearman(short.a, long.a), spearman(short.b, long.b)),
    corrected: ceiling > 0 ? crossSeed / Math.sqrt(ceiling) : NaN,
  };
}

export interface Interval { lo: number; hi: number; /** Resamples whose correction was undefined (a budget without signal in them). */ undefinedShare: number }

/**
 * A percentile interval of `corrected` over `resamples` bootstrap resamples of the architectures.
 * Resamples in which a budget shows no seed-to-seed agreement have no correction; their share is
 * reported rather than hidden, since at small n it is the honest width of the interval.
 */
export function correctedInterval(short: SeedPair, long: SeedPair, { level = 0.9, resamples = 2000, seed = 0 } = {}): Interval {
  const rng = createRng(seed);
  const n = short.a.length;
  const values: number[] = [];
  let undefinedCount = 0;
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const pick = (v: readonly number[]) => idx.map((i) => v[i]);
    const c = budgetAgreement({ a: pick(short.a), b: pick(short.b) }, { a: pick(long.a), b: pick(long.b) }).corrected;
    if (Number.isFinite(c)) values.push(c);
    else undefinedCount++;
  }
  values.sort((x, y) => x - y);
  const at = (q: number) => (values.length ? values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))] : NaN);
  return { lo: at((1 - level) / 2), hi: at((1 + level) / 2), undefinedShare: undefinedCount / resamples };
}
