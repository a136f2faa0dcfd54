/** Spearman rank correlation: how well one measure (a latency table, a proxy, a cheap evaluator) orders things like another. */

/** Ranks from 1, ties sharing the mean of the ranks they span. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman's rho: Pearson correlation of the ranks (ties averaged); NaN when either side is constant. */
export function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`rank correlation of ${a.length} and ${b.length} values`);
  if (a.length < 2) return NaN;
  return pearson(ranks(a), ranks(b));
}
