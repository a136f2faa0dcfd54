/**
 * Where architectures trained at a reference table's budget land among the table's rows: for each
 * row of ROWS, the share of the table's first N rows (its uniform samples) it beats on test
 * accuracy, as a percentile (90 or more is the top 10 %). The two files must share the budget.
 *
 *   node --import tsx bench/table-percentile.ts ROWS.jsonl bench/tables/darts-fmnist-small.jsonl [N=50]
 *     [--seed-rows ROWS-seed1.jsonl,... --seed-tables bench/tables/darts-fmnist-small-x2-seed1.jsonl,...]
 *
 * One training run is a noisy judge (at 4 epochs two seeds of a table agree at Spearman 0.65), so
 * with --seed-tables the table's rows are each architecture's mean over the seeds (only those of the
 * first N that every seed's table holds: a table still being computed counts with the rows it has),
 * and with --seed-rows each row of ROWS is its mean with the same architecture's rows there, trained
 * at the other seeds with the same flags; the two lists name the seeds in the same order.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readRows, type TableRow } from '../search/reference/rows.ts';
import { percentileIn } from '../search/reference/search-answer.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'seed-rows': { type: 'string', default: '' }, 'seed-tables': { type: 'string', default: '' } },
});
const [rowsPath, tablePath, n = '50'] = positionals;
const list = (s: string) => s.split(',').filter(Boolean);
const seedRowPaths = list(values['seed-rows']), seedTablePaths = list(values['seed-tables']);
if (!rowsPath || !tablePath || seedRowPaths.length !== seedTablePaths.length) {
  console.error('usage: bench/table-percentile.ts ROWS.jsonl TABLE.jsonl [N] [--seed-rows R2.jsonl,... --seed-tables T2.jsonl,...] (one seed-rows file per seed table)');
  process.exit(2);
}
const read = (p: string) => ({ path: p, rows: readRows(resolve(p)) });
const table = read(tablePath), rows = read(rowsPath);
table.rows = table.rows.slice(0, Number(n));
const seedTables = seedTablePaths.map(read), seedRows = seedRowPaths.map(read);
for (const t of [table, rows, ...seedTables, ...seedRows]) if (!t.rows.length) throw new Error(`${t.path}: no rows`);

const budgetOf = (r: Pick<TableRow, 'budget' | 'seed'>) => JSON.stringify([r.budget, r.seed]);
/** Rows are comparable with a table only when trained with its flags and seed. */
function checkBudget(rowsFile: { path: string; rows: TableRow[] }, tableFile: { path: string; rows: readonly TableRow[] }) {
  for (const row of rowsFile.rows) {
    if (budgetOf(row) !== budgetOf(tableFile.rows[0])) throw new Error(`${rowsFile.path}: a row's budget or seed differs from ${tableFile.path}'s; train it with the table's command flags`);
  }
}
checkBudget(rows, table);
seedRows.forEach((r, i) => checkBudget(r, seedTables[i]));

const reference = [...seedMeanReference(table, seedTables).values()];
const sorted = [...reference].sort((a, b) => a - b);
const seeds = seedTables.length ? ` (mean of ${seedTables.length + 1} seeds, the ${reference.length} of the first ${table.rows.length} rows every seed's table holds)` : '';
for (const row of rows.rows) {
  const others = seedRows.map((s) => s.rows.find((r) => r.arch === row.arch)?.accuracy);
  const missing = others.findIndex((a) => a === undefined);
  if (missing >= 0) {
    console.log(`${(100 * row.accuracy).toFixed(2)} %  no row of this architecture in ${seedRows[missing].path}: not placed  ${row.arch.slice(0, 60)}…`);
    continue;
  }
  const accuracy = [row.accuracy, ...(others as number[])].reduce((s, a) => s + a, 0) / (others.length + 1);
  const percentile = percentileIn(accuracy, reference);
  const each = others.length ? ` (${[row.accuracy, ...(others as number[])].map((a) => (100 * a).toFixed(2)).join(', ')})` : '';
  console.log(`${(100 * accuracy).toFixed(2)} %${each}  percentile ${percentile.toFixed(0)} of ${reference.length}${seeds} (median ${(100 * sorted[Math.floor(sorted.length / 2)]).toFixed(2)} %)${percentile >= 90 ? '  top 10 %' : ''}  ${row.arch.slice(0, 60)}…`);
}
