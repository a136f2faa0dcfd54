/**
 * Where architectures trained at a reference table's budget land among the table's rows: for each
 * row of ROWS, the share of the table's first N rows (its uniform samples) it beats on test
 * accuracy, as a percentile (90 or more is the top 10 %). The two files must share the budget.
 *
 *   node --import tsx bench/table-percentile.ts ROWS.jsonl bench/tables/darts-fmnist-small.jsonl [N=50]
 */
import { readRows } from '../search/reference/rows.ts';

const [rowsPath, tablePath, n = '50'] = process.argv.slice(2);
if (!rowsPath || !tablePath) {
  console.error('usage: bench/table-percentile.ts ROWS.jsonl TABLE.jsonl [N]');
  process.exit(2);
}
const table = readRows(tablePath).slice(0, Number(n));
const budgetOf = (r: { budget: unknown; seed: number }) => JSON.stringify([r.budget, r.seed]);
for (const row of readRows(rowsPath)) {
  if (budgetOf(row) !== budgetOf(table[0])) throw new Error(`${rowsPath}: a row's budget or seed differs from ${tablePath}'s; train it with the table's command flags`);
  const beaten = table.filter((t) => t.accuracy < row.accuracy).length, tied = table.filter((t) => t.accuracy === row.accuracy).length;
  const percentile = (100 * (beaten + tied / 2)) / table.length;
  console.log(`${(100 * row.accuracy).toFixed(2)} %  percentile ${percentile.toFixed(0)} of ${table.length} (median ${(100 * table.map((t) => t.accuracy).sort((a, b) => a - b)[Math.floor(table.length / 2)]).toFixed(2)} %)${percentile >= 90 ? '  top 10 %' : ''}  ${row.arch.slice(0, 60)}…`);
}
