/**
 * A reference table averaged over its other seeds. One training seed of a small network is a noisy
 * judge (bench/tables/README.md: at 4 epochs two seeds agree at Spearman 0.65); the mean of k seeds
 * has the reliability Spearman-Brown gives, so an evaluator is better ranked against the mean.
 */
import { UsageError } from '../util/errors.ts';
import { provenanceMismatch, type TableRow } from './rows.ts';

export interface SeedTable { path: string; rows: readonly TableRow[] }

/**
 * Each architecture's mean accuracy over the table and the other seeds' tables, for the
 * architectures all of them hold. The other tables must be the same measurement (space, data,
 * split, budget) at other seeds; a usage error naming the file otherwise.
 */
export function seedMeanReference(table: SeedTable, others: readonly SeedTable[]): Map<string, number> {
  const base = table.rows[0];
  const seeds = new Set([base.seed]);
  for (const o of others) {
    o.rows.forEach((r, i) => {
      const diff = provenanceMismatch({ ...r, seed: base.seed }, base);
      if (diff) throw new UsageError(`--seed-tables ${o.path}: row ${i + 1} was measured differently from ${table.path} (${diff}); only the seed may differ`);
    });
    const seed = o.rows[0]?.seed;
    if (seed === undefined) throw new UsageError(`--seed-tables ${o.path}: no rows`);
    if (seeds.has(seed) || o.rows.some((r) => r.seed !== seed)) throw new UsageError(`--seed-tables ${o.path}: seed ${seed} is not another seed of one table (seeds so far: ${[...seeds].join(', ')})`);
    seeds.add(seed);
  }
  const byArch = others.map((o) => new Map(o.rows.map((r) => [r.arch, r.accuracy])));
  const mean = new Map<string, number>();
  for (const r of table.rows) {
    const values = [r.accuracy, ...byArch.map((m) => m.get(r.arch))];
    if (values.every((v) => v !== undefined)) mean.set(r.arch, values.reduce((s, v) => s + v!, 0) / values.length);
  }
  return mean;
}
