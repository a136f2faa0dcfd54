/**
 * Does doubling a reference table's training budget reorder its architectures, or only remove
 * noise? Two budgets, each at two seeds (search/reference/budget-agreement.ts), on the
 * architectures all four tables hold:
 *
 *   node --import tsx bench/budget-agreement.ts bench/tables/darts-fmnist-small.jsonl bench/tables/darts-fmnist-small-seed1.jsonl \
 *     bench/tables/darts-fmnist-small-x2.jsonl bench/tables/darts-fmnist-small-x2-seed1.jsonl
 */
import { budgetAgreement, correctedInterval } from '../search/reference/budget-agreement.ts';
import { readRows } from '../search/reference/rows.ts';

const files = process.argv.slice(2);
if (files.length !== 4) {
  console.error('usage: bench/budget-agreement.ts SHORT SHORT-OTHER-SEED LONG LONG-OTHER-SEED');
  process.exit(2);
}
const tables = files.map((f) => new Map(readRows(f).map((r) => [r.arch, r.accuracy])));
const archs = [...tables[0].keys()].filter((k) => tables.every((t) => t.has(k)));
const column = (t: Map<string, number>) => archs.map((k) => t.get(k)!);
const short = { a: column(tables[0]), b: column(tables[1]) }, long = { a: column(tables[2]), b: column(tables[3]) };
const g = budgetAgreement(short, long);
const ci = correctedInterval(short, long);
const f = (x: number) => x.toFixed(3);
console.log(`${g.n} architectures in all four tables`);
console.log(`seed-to-seed Spearman: short budget ${f(g.withinShort)}, long budget ${f(g.withinLong)}`);
console.log(`across budgets: same seed ${f(g.sameSeed)}, other seed ${f(g.crossSeed)}`);
console.log(`corrected for both budgets' noise: ${f(g.corrected)} (90 % bootstrap interval ${f(ci.lo)} to ${f(ci.hi)}; ${(100 * ci.undefinedShare).toFixed(1)} % of resamples without a correction)`);
