/**
 * Does a reference table punish what DARTS calls collapse? Groups a cell-space table's first N rows
 * (its uniform samples) by the parameter-free edges of their normal cell (the ops search/strategies/
 * darts/collapse.ts counts), with each group's mean test accuracy, and ranks the two against each other.
 *
 *   node --import tsx bench/table-param-free.ts bench/tables/darts-fmnist-small.jsonl [N=50]
 */
import { z } from 'zod';
import { kendallTau, spearman } from '../search/reference/agreement.ts';
import { readRows } from '../search/reference/rows.ts';
import { PARAMETER_FREE_OPS } from '../search/space/ops.ts';

const [tablePath, n = '50'] = process.argv.slice(2);
if (!tablePath) {
  console.error('usage: bench/table-param-free.ts TABLE.jsonl [N]');
  process.exit(2);
}
const cellSchema = z.object({ normal: z.array(z.tuple([z.string(), z.int()])) });
const rows = readRows(tablePath).slice(0, Number(n)).map((r, i) => {
  const g = cellSchema.safeParse(r.genotype);
  if (!g.success) throw new Error(`${tablePath}: row ${i + 1}'s genotype is not a cell genotype (${g.error.issues[0].message})`);
  return { accuracy: r.accuracy, paramFree: g.data.normal.filter(([op]) => PARAMETER_FREE_OPS.includes(op)).length, edges: g.data.normal.length };
});
console.log(`${tablePath}: ${rows.length} rows`);
console.log('| parameter-free normal edges | rows | mean test accuracy | best |');
console.log('| ---: | ---: | ---: | ---: |');
for (const k of [...new Set(rows.map((r) => r.paramFree))].sort((a, b) => a - b)) {
  const acc = rows.filter((r) => r.paramFree === k).map((r) => r.accuracy);
  console.log(`| ${k} of ${rows[0].edges} | ${acc.length} | ${(100 * acc.reduce((s, x) => s + x, 0) / acc.length).toFixed(2)} % | ${(100 * Math.max(...acc)).toFixed(2)} % |`);
}
const pf = rows.map((r) => r.paramFree), acc = rows.map((r) => r.accuracy);
console.log(`Spearman ${spearman(pf, acc).toFixed(3)}, Kendall ${kendallTau(pf, acc).toFixed(3)} (parameter-free edges vs test accuracy)`);
