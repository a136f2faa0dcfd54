/**
 * Where architectures land on a zero-cost proxy among a reference table's uniform samples: for
 * each architecture of SCORES (a bench/zero-cost.ts score file), its proxy value's percentile among
 * the values AMONG holds for the table's first N architectures (same proxy seed and batch). Asks
 * whether a search that reads the proxy found what the proxy likes.
 *
 *   node --import tsx bench/zero-cost-percentile.ts --scores S.scores.jsonl --among bench/data/zero-cost.scores.jsonl \
 *     --table bench/tables/darts-fmnist-small-x2.jsonl [--first 50] [--proxy jacob_cov]
 */
import { parseArgs } from 'node:util';
import { proxyValues, readZeroCostScores } from '../search/evaluate/zero-cost/score-file.ts';
import { readRows } from '../search/reference/rows.ts';
import { percentileIn } from '../search/reference/search-answer.ts';

const { values: f } = parseArgs({ options: {
  scores: { type: 'string' }, among: { type: 'string' }, table: { type: 'string' }, first: { type: 'string', default: '50' }, proxy: { type: 'string', default: 'jacob_cov' },
} });
if (!f.scores || !f.among || !f.table) {
  console.error('usage: bench/zero-cost-percentile.ts --scores S.scores.jsonl --among A.scores.jsonl --table T.jsonl [--first 50] [--proxy jacob_cov]');
  process.exit(2);
}
const first = Number(f.first);
if (!Number.isInteger(first) || first < 2) throw new Error(`--first: an integer of at least 2, got ${f.first}`);
const among = proxyValues(readZeroCostScores(f.among), f.proxy!);
const uniform = readRows(f.table, '--table').slice(0, first).map((r) => among.get(r.arch) ?? NaN).filter(Number.isFinite);
if (uniform.length < 2) throw new Error(`--among ${f.among}: no ${f.proxy} values for the first ${first} architectures of ${f.table}`);
const mine = proxyValues(readZeroCostScores(f.scores), f.proxy!);
if (mine.size === 0) throw new Error(`--scores ${f.scores}: no architectures scored`);
console.log(`${f.proxy} of ${f.scores}'s ${mine.size} architectures among the ${uniform.length} uniform samples of ${f.table} (median ${[...uniform].sort((a, b) => a - b)[Math.floor(uniform.length / 2)].toFixed(3)})`);
for (const [arch, v] of mine) {
  console.log(`${Number.isFinite(v) ? `${v.toFixed(3)}  percentile ${percentileIn(v, uniform).toFixed(0)}` : 'undefined'}  ${arch.slice(0, 70)}`);
}
