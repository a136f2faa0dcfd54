/**
 * What a search that trusts a judge would get: the judge ranks architectures (a proxy's accuracy,
 * a zero-cost score, a supernet's accuracy), the search keeps its best k, and the reference (a
 * table's mean over its seeds) says where those land, as a percentile of the reference's
 * architectures (search-answer.ts `percentileIn`, as bench/table-percentile.ts places a search's
 * answer). A Spearman says how well a judge orders everything; a search only ever reads its top.
 * Pure: no files.
 */
import { percentileIn } from './search-answer.ts';

/**
 * For each k, the mean reference percentile of the k architectures `scored` rates highest (NaN when
 * it rated fewer than k of the reference's). Scores that are not finite (a zero-cost proxy undefined
 * on a network) are no rating; equal scores keep the order given, as answerOf keeps the first.
 */
export function pickPercentiles(reference: ReadonlyMap<string, number>, scored: readonly { key: string; score: number }[], ks: readonly number[]): number[] {
  const values = [...reference.values()];
  const ranked = scored.filter((s) => Number.isFinite(s.score) && reference.has(s.key)).sort((a, b) => b.score - a.score);
  return ks.map((k) => {
    if (!Number.isInteger(k) || k < 1) throw new Error(`top-k: k must be a positive integer, got ${k}`);
    if (ranked.length < k) return NaN;
    return ranked.slice(0, k).reduce((s, r) => s + percentileIn(reference.get(r.key)!, values), 0) / k;
  });
}

/**
 * Where a judge at chance lands: the mean percentile of k of the reference's architectures drawn
 * uniformly without replacement averages exactly 50 (ties included, since a tie counts half), and
 * its central `level` interval is read off the exact distribution. Percentiles are multiples of
 * 50/n (percentileIn counts half-rows), so the sums of k of them are counted exactly, subset by
 * subset, in those units.
 */
export function chancePickInterval(reference: ReadonlyMap<string, number>, k: number, level = 0.9): { lo: number; hi: number } {
  const values = [...reference.values()], n = values.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`chance of a top-${k} pick among ${n} architectures`);
  // Each architecture's percentile in half-rows: 2 x (rows beaten) + (rows tied, itself included).
  const halves = values.map((v) => Math.round((percentileIn(v, values) * 2 * n) / 100));
  const maxSum = 2 * n * k;
  // ways[j][s]: the subsets of j architectures whose half-rows sum to s.
  const ways = Array.from({ length: k + 1 }, () => new Float64Array(maxSum + 1));
  ways[0][0] = 1;
  for (const h of halves) {
    for (let j = k; j >= 1; j--) for (let s = maxSum; s >= h; s--) ways[j][s] += ways[j - 1][s - h];
  }
  const total = ways[k].reduce((a, b) => a + b, 0);
  const quantile = (q: number) => {
    let cumulative = 0;
    for (let s = 0; s <= maxSum; s++) {
      cumulative += ways[k][s];
      if (cumulative >= q * total) return (100 * s) / (2 * n * k);
    }
    return 100;
  };
  return { lo: quantile((1 - level) / 2), hi: quantile((1 + level) / 2) };
}
