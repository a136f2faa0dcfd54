/**
 * How well one evaluator's scores order architectures like a reference's: Spearman's rho (from
 * search/util/rank.ts), Kendall's tau-b and the precision of the top fraction. Higher scores
 * are better on both sides. Pure functions of two equally long arrays.
 */
import { rankCorrelation as spearman } from '../util/rank.ts';
import { createRng } from '../util/rng.ts';

export { spearman };

/**
 * Kendall's tau-b: (concordant - discordant) / sqrt((n0 - ties in a) (n0 - ties in b)), pairs
 * tied on one side counting against that side only; NaN when either side is constant.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`Kendall's tau of ${a.length} and ${b.length} values`);
  let concordant = 0, discordant = 0, tiedA = 0, tiedB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]), db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiedA++;
      else if (db === 0) tiedB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiedA) * (concordant + discordant + tiedB));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/**
 * Share of the reference's top `fraction` (at least one architecture) that the evaluator also
 * puts in its top as many. Ties at the cut are broken by position, so that the figure is
 * defined; an evaluator that gives many architectures one score is then judged by their order.
 */
export function topPrecision(reference: readonly number[], scores: readonly number[], fraction = 0.1): number {
  if (reference.length !== scores.length) throw new Error(`top precision of ${reference.length} and ${scores.length} values`);
  if (reference.length === 0) return NaN;
  const k = Math.max(1, Math.round(fraction * reference.length));
  const top = (v: readonly number[]) => new Set(v.map((x, i) => [x, i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, k).map(([, i]) => i));
  const want = top(reference);
  return [...top(scores)].filter((i) => want.has(i)).length / k;
}

/**
 * A percentile bootstrap interval of Spearman's rho over resamples of the architectures (seeded,
 * so a stored figure can be recomputed). At the 10-50 architectures a NAS check affords, the
 * interval is what tells a ranking from luck: over 30 its width is about 0.5.
 */
export function spearmanInterval(a: readonly number[], b: readonly number[], { level = 0.9, resamples = 2000, seed = 0 } = {}): { lo: number; hi: number } {
  if (a.length !== b.length) throw new Error(`Spearman interval of ${a.length} and ${b.length} values`);
  const rng = createRng(seed);
  const n = a.length;
  const values: number[] = [];
  for (let r = 0; r < resamples && n > 0; r++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const v = spearman(idx.map((i) => a[i]), idx.map((i) => b[i]));
    // A resample of ties only (likely at small n) has no order to correlate.
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((x, y) => x - y);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))] ?? NaN;
  return { lo: at((1 - level) / 2), hi: at((1 + level) / 2) };
}
