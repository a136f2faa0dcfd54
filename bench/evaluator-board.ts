/**
 * Every evaluator whose scores are stored as data, ranked against one reference (a table averaged
 * over its seeds), with a 90 % bootstrap interval and the ceiling the reference's own noise sets,
 * and what a search that trusted each would get: the reference percentile of its top-1 pick and the
 * mean percentile of its top 3 and top 5 (search/reference/judge-picks.ts). No training: rerun it
 * as a reference table grows (on fewer architectures than a top-k, that column is '-').
 *
 *   node --import tsx bench/evaluator-board.ts --table bench/tables/darts-fmnist-small-x2.jsonl \
 *     --seed-tables bench/tables/darts-fmnist-small-x2-seed1.jsonl --first 50 \
 *     --scores bench/tables/darts-fmnist-small.jsonl,bench/data/proxy-scores/darts-fmnist-small-proxy-2x2000.jsonl \
 *     --zero-cost bench/data/zero-cost.scores.jsonl --supernets bench/data/darts-supernet-fidelity.jsonl
 *
 * --first N: only the table's first N rows (its uniform samples; later rows may be a search's picks,
 *   which would make a judge's pick look better or worse than a search among uniform cells gets);
 * --scores: tables written by cellscape table/reference (their accuracy is the score);
 * --zero-cost: bench/zero-cost.ts's score file (its 'reference' section, one entry a proxy);
 * --supernets: bench/darts-supernet-fidelity.ts's rows, one judge per stored checkpoint, ranking by
 *   the supernet's accuracy (ties by its loss, as that bench ranks).
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { proxyValues, readZeroCostScores } from '../search/evaluate/zero-cost/score-file.ts';
import { readRows } from '../search/reference/rows.ts';
import { UsageError } from '../search/util/errors.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';
import { noiseCeiling, oracleCeiling } from '../search/reference/noise.ts';
import { fidelityOf } from '../search/reference/fidelity.ts';
import { chancePickInterval, pickPercentiles } from '../search/reference/judge-picks.ts';
import { readSupernetFidelity, supernetName, supernetScore } from '../search/strategies/darts/fidelity-rows.ts';

const { values: flags } = parseArgs({
  options: {
    table: { type: 'string' }, 'seed-tables': { type: 'string' }, first: { type: 'string' }, scores: { type: 'string' }, 'zero-cost': { type: 'string' },
    supernets: { type: 'string' },
  },
});
const first = flags.first === undefined ? Infinity : Number(flags.first);
if (!flags.table || !(first === Infinity || (Number.isInteger(first) && first >= 1))) {
  console.error('usage: bench/evaluator-board.ts --table TABLE [--seed-tables T2,...] [--first N] [--scores FILE,...] [--zero-cost FILE] [--supernets FILE]\n  --first: a positive integer (the table\'s first N rows)');
  process.exit(2);
}
const list = (v: string | undefined) => (v ?? '').split(',').filter(Boolean);

const rows = readRows(flags.table, '--table').slice(0, first);
if (rows.length === 0) throw new UsageError(`--table ${flags.table}: no rows to rank against`);
const others = list(flags['seed-tables']).map((path) => ({ path, rows: readRows(path, '--seed-tables') }));
const reference = seedMeanReference({ path: flags.table, rows }, others);

const evaluators: { name: string; scores: Map<string, number>; seconds?: Map<string, number> }[] = [];
for (const path of list(flags.scores)) {
  const r = readRows(path, '--scores');
  evaluators.push({
    // The file's name, not its rows' budget: a table of one-shot or zero-cost scores carries the
    // proxy budget of the run that wrote it, which is not what scored it.
    name: basename(path),
    scores: new Map(r.map((x) => [x.arch, x.accuracy])), seconds: new Map(r.map((x) => [x.arch, x.trainSeconds ?? NaN])),
  });
}
if (flags['zero-cost']) {
  const zc = readZeroCostScores(flags['zero-cost']);
  for (const proxy of Object.keys(zc[0]?.scores ?? {})) {
    evaluators.push({ name: `zero-cost ${proxy}`, scores: proxyValues(zc, proxy), seconds: new Map(zc.map((r) => [r.arch, r.seconds[proxy] ?? NaN])) });
  }
}

for (const path of list(flags.supernets)) {
  for (const r of readSupernetFidelity(path)) {
    // The file keeps the scoring's seconds a candidate as a whole (not the supernet's training).
    evaluators.push({ name: supernetName(r), scores: new Map(r.rows.map((x) => [x.key, supernetScore(x)])), seconds: new Map(r.rows.map((x) => [x.key, r.byAccuracy.secondsPerCandidate])) });
  }
}

const TOP_K = [1, 3, 5];
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
console.log(`reference: ${flags.table}${first < Infinity ? ` (first ${first} rows)` : ''}${others.length ? ` and ${others.map((o) => o.path).join(', ')} (mean of ${others.length + 1} seeds)` : ''}, ${reference.size} architectures`);
if (others.length) {
  const second = new Map(others[0].rows.map((r) => [r.arch, r.accuracy]));
  const both = rows.filter((r) => second.has(r.arch));
  // The noise ceiling needs three architectures (noise.ts); a smaller table still gets its board.
  if (both.length < 3) console.log(`seed-to-seed Spearman not computed: ${both.length} architectures in both seeds, 3 are needed\n`);
  else {
    const c = noiseCeiling(both.map((r) => r.accuracy), both.map((r) => second.get(r.arch)!));
    console.log(`seed-to-seed Spearman ${fmt(c.spearman)} (n ${c.n}); an evaluator that knew the noise-free accuracies would reach about ${fmt(oracleCeiling(c.spearman, others.length + 1))} against this mean\n`);
  }
}
// A top-k pick needs k architectures: on a smaller reference (a table still being grown, a small
// --first) that column has no value on any row, so it prints '-' (pickPercentiles' NaN) and is said once here.
const pickable = TOP_K.filter((k) => k <= reference.size), beyond = TOP_K.filter((k) => k > reference.size);
const chance = pickable.map((k) => { const c = chancePickInterval(reference, k); return `top-${k} ${+c.lo.toFixed(1)} to ${+c.hi.toFixed(1)}`; }).join(', ');
console.log(`top-k pick: the mean percentile, among the reference's ${reference.size} architectures (on the mean over the seeds), of the k the evaluator scores best: what a search that kept its best would get. A judge at chance gets 50 on average${chance ? `; 90 % of random picks land at ${chance}` : ''}.${beyond.length ? ` No ${beyond.map((k) => `top-${k}`).join(' or ')} pick among ${reference.size} architectures: ${beyond.length > 1 ? 'those columns are' : 'that column is'} '-'.` : ''}\n`);
console.log(`| evaluator | n | Spearman | 90 % interval | Kendall | top-10 % | ${TOP_K.map((k) => `top-${k} pick`).join(' | ')} | s a candidate |`);
console.log(`|---|---:|---:|---|---:|---:|${TOP_K.map(() => '---:|').join('')}---:|`);
for (const { name, scores, seconds } of evaluators) {
  // A zero-cost proxy undefined on a network has no score to rank it by.
  const evaluated = [...scores].filter(([, score]) => Number.isFinite(score)).map(([key, score]) => ({ key, score, seconds: seconds?.get(key) ?? NaN }));
  const e = { name, ...fidelityOf(reference, evaluated) };
  const picks = pickPercentiles(reference, evaluated, TOP_K).map((p) => (Number.isFinite(p) ? p.toFixed(0) : '-'));
  console.log(`| ${e.name} | ${e.n} | ${fmt(e.spearman)} | ${fmt(e.spearmanLo)} to ${fmt(e.spearmanHi)} | ${fmt(e.kendall)} | ${fmt(e.top10)} | ${picks.join(' | ')} | ${Number.isFinite(e.secondsPerCandidate) ? e.secondsPerCandidate.toFixed(1) : '-'} |`);
}
