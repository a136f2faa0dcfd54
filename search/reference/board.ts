/**
 * Many evaluators' stored scores ranked against one reference, each with the uncertainty its
 * number of architectures leaves, beside the best any evaluator could reach. At 30-50 rows a
 * Spearman's sampling error is about 0.15, larger than most differences between cheap
 * evaluators, so a board without intervals invites reading noise as a ranking.
 * Pure: maps of architecture key to value in, figures out.
 */
import { createRng } from '../util/rng.ts';
import { spearman } from './agreement.ts';
import { fidelityOf, type Fidelity } from './fidelity.ts';

export interface BoardEntry extends Fidelity {
  name: string;
  /** Percentile bootstrap interval of the Spearman over the architectures both hold. */
  lo: number;
  hi: number;
}

/**
 * The correlation an evaluator that knew every architecture's noise-free accuracy would reach
 * against the mean of `seeds` training runs whose seed-to-seed correlation is `r`: the square
 * root of that mean's reliability (Spearman-Brown). Applied to rank correlations it is an
 * approximation, which is all a ceiling needs to be.
 */
export function oracleCeiling(r: number, seeds: number): number {
  if (!(r > 0)) return 0;
  return Math.sqrt((seeds * r) / (1 + (seeds - 1) * r));
}

export function spearmanInterval(a: readonly number[], b: readonly number[], { level = 0.9, resamples = 2000, seed = 0 } = {}): { lo: number; hi: number } {
  const rng = createRng(seed);
  const n = a.length;
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const v = spearman(idx.map((i) => a[i]), idx.map((i) => b[i]));
    // A resample of ties only (possible at small n) has no rank order to correlate.
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((x, y) => x - y);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))] ?? NaN;
  return { lo: at((1 - level) / 2), hi: at((1 + level) / 2) };
}

/** One entry an evaluator; its scores are keyed by architecture, higher meaning better. */
export function board(reference: ReadonlyMap<string, number>, evaluators: readonly { name: string; scores: ReadonlyMap<string, number>; seconds?: ReadonlyMap<string, number> }[]): BoardEntry[] {
  return evaluators.map(({ name, scores, seconds }) => {
    const evaluated = [...scores].filter(([key, score]) => reference.has(key) && Number.isFinite(score))
      .map(([key, score]) => ({ key, score, seconds: seconds?.get(key) ?? NaN }));
    const f = fidelityOf(reference, evaluated);
    const { lo, hi } = spearmanInterval(evaluated.map((e) => reference.get(e.key)!), evaluated.map((e) => e.score));
    return { name, ...f, lo, hi };
  });
}
