/**
 * The noise ceiling of a reference table: the same architectures trained again with another seed
 * (cellscape reference --genotypes TABLE --first N --seed S), matched by architecture key.
 *
 *   node --import tsx bench/table-noise.ts bench/tables/darts-fmnist-small.jsonl bench/tables/darts-fmnist-small-seed1.jsonl
 */
import { readRows } from '../search/reference/rows.ts';
import { noiseCeiling, seedsFor } from '../search/reference/noise.ts';

const [first, second] = process.argv.slice(2);
if (!first || !second) {
  console.error('usage: bench/table-noise.ts TABLE OTHER-SEED-TABLE');
  process.exit(2);
}
const other = new Map(readRows(second).map((r) => [r.arch, r]));
const pairs = readRows(first).filter((r) => other.has(r.arch)).map((r) => [r.accuracy, other.get(r.arch)!.accuracy] as const);
const c = noiseCeiling(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
const pts = (x: number) => `${(100 * x).toFixed(2)} pts`;
console.log(`${first} vs ${second}: ${c.n} architectures in both`);
console.log(`seed-to-seed Spearman ${c.spearman.toFixed(3)}, Kendall ${c.kendall.toFixed(3)}`);
console.log(`one run's noise sd ${pts(c.noiseSd)}; spread across architectures ${pts(c.spreadSd)}; of which the architectures' own ${pts(c.signalSd)}`);
console.log(`reliability ${c.reliability.toFixed(2)}; seeds to average for 0.8: ${seedsFor(c.reliability, 0.8)}`);
