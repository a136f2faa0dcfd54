/**
 * Where architectures trained at a reference table's budget land among the table's rows that are no
 * slower than they are: a latency-aware search should be judged against architectures of its latency,
 * not against uniform samples of every latency. The table's rows carry no latency (latencyMs null), so
 * every row's cell latency is predicted as the DARTS search prices it: `genotypeLatency` on the
 * supernet's per-op matrices from a per-op latency table (the `.tables.json` a darts-remedies bench
 * keeps). For each row of ROWS: its predicted latency, the share of the table's first N rows (its
 * uniform samples) it is faster than, its accuracy percentile among all N and among those at or under
 * its latency, and the table rows that dominate it (as fast or faster and more accurate). Few uniform
 * rows may be that fast, so also: the least-squares line of accuracy on predicted latency over the N
 * rows, and the row's residual from it as a percentile of theirs (accuracy for its latency).
 *
 *   node --import tsx bench/table-latency-percentile.ts ROWS.jsonl bench/tables/darts-fmnist-small-x2.jsonl OPS.tables.json [N=50]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../search/backend/index.ts';
import { readRows, type TableRow } from '../search/reference/rows.ts';
import { percentileIn } from '../search/reference/search-answer.ts';
import { buildSupernet } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { genotypeLatency, latencyMatrices, supernetSites } from '../search/strategies/darts/latency.ts';
import { createRng } from '../search/util/rng.ts';

const [rowsPath, tablePath, opsPath, n = '50'] = process.argv.slice(2);
if (!rowsPath || !tablePath || !opsPath) {
  console.error('usage: bench/table-latency-percentile.ts ROWS.jsonl TABLE.jsonl OPS.tables.json [N=50]');
  process.exit(2);
}
const opTable = z.record(z.string(), z.number()).parse(JSON.parse(readFileSync(resolve(opsPath), 'utf8')));
const rows = readRows(resolve(rowsPath));
const table = readRows(resolve(tablePath)).slice(0, Number(n));
const spaces = new Set([...rows, ...table].map((r) => r.space));
if (spaces.size !== 1) throw new Error(`${rowsPath}, ${tablePath}: rows of more than one space (${[...spaces].join(', ')})`);
const budgetOf = (r: TableRow): string => JSON.stringify([r.budget, r.seed]);
for (const r of rows) if (budgetOf(r) !== budgetOf(table[0])) throw new Error(`${rowsPath}: a row's budget or seed differs from ${tablePath}'s`);

await initBackend();
const space = loadSpace(resolveSpacePath([...spaces][0])) as CellSpace;
const ops = space.def.cell.ops, nodes = space.def.cell.nodes;
const net = buildSupernet(space, { rng: createRng(0) });
const lat = latencyMatrices(supernetSites(net), (nodes * (nodes + 3)) / 2, ops.length, (k) => opTable[k]);
net.dispose();
const msOf = (r: TableRow): number => genotypeLatency(JSON.parse(r.arch) as CellGenotype, lat, ops);

const ref = table.map((r) => ({ ms: msOf(r), accuracy: r.accuracy }));
const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
const sortedMs = ref.map((r) => r.ms).sort((a, b) => a - b);
console.log(`# ${table.length} uniform rows of ${tablePath}; predicted cell latency (genotypeLatency on ${opsPath}): median ${sortedMs[Math.floor(sortedMs.length / 2)].toFixed(3)} ms, mean ${(sortedMs.reduce((s, x) => s + x, 0) / sortedMs.length).toFixed(3)} ms, range ${sortedMs[0].toFixed(3)}-${sortedMs.at(-1)!.toFixed(3)} ms`);
// Accuracy for the latency: the least-squares line over the uniform rows, and each row's residual from it.
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const mx = mean(ref.map((t) => t.ms)), my = mean(ref.map((t) => t.accuracy));
const slope = ref.reduce((s, t) => s + (t.ms - mx) * (t.accuracy - my), 0) / ref.reduce((s, t) => s + (t.ms - mx) ** 2, 0);
const fit = (ms: number): number => my + slope * (ms - mx);
const residuals = ref.map((t) => t.accuracy - fit(t.ms));
const sd = Math.sqrt(residuals.reduce((s, e) => s + e * e, 0) / (residuals.length - 2));
console.log(`# accuracy on predicted latency over them: ${(100 * slope).toFixed(2)} points per ms, residual sd ${(100 * sd).toFixed(2)} points; the rows at the lowest latencies: ${[...ref].sort((a, b) => a.ms - b.ms).slice(0, 5).map((t) => `${t.ms.toFixed(3)} ms ${pct(t.accuracy)}`).join(', ')}`);
console.log('| row | predicted cell ms | uniform rows slower | test accuracy | percentile of all | rows at or under its ms | percentile among them (their median, best) | rows dominating it | fitted accuracy at its ms | residual percentile |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |');
rows.forEach((r, i) => {
  const ms = msOf(r);
  const faster = ref.filter((t) => t.ms <= ms);
  const acc = faster.map((t) => t.accuracy).sort((a, b) => a - b);
  const among = acc.length ? `${percentileIn(r.accuracy, acc).toFixed(0)} (${pct(acc[Math.floor(acc.length / 2)])}, ${pct(acc.at(-1)!)})` : '-';
  const dominating = faster.filter((t) => t.accuracy > r.accuracy).length;
  console.log(`| ${i + 1} | ${ms.toFixed(3)} | ${ref.filter((t) => t.ms > ms).length} of ${ref.length} | ${pct(r.accuracy)} | ${percentileIn(r.accuracy, ref.map((t) => t.accuracy)).toFixed(0)} | ${faster.length} | ${among} | ${dominating} | ${pct(fit(ms))} | ${percentileIn(r.accuracy - fit(ms), residuals).toFixed(0)} |`);
});
