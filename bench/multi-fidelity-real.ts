/**
 * `node --import tsx bench/multi-fidelity-real.ts [--cpu-seconds 200] [--seeds 1,2,3]
 *  [--methods evolution,asha] [--workers 2] [--results FILE.jsonl] [--dir .cache/multi-fidelity-real]`:
 * bench/multi-fidelity.ts on REAL training. Aging evolution on the default proxy (2 epochs x 2,000
 * Fashion-MNIST images, darts-fmnist-small) against the same evolution under ASHA (rungs of 667 and
 * 2,000 training images, 2 epochs each, eta 3), each on the same workers and stopped
 * after the same CPU time; then each search's answer is trained at the 4-epoch reference budget
 * and placed among the reference table's 50 uniform samples.
 *
 * What keeps it honest on a shared machine:
 * - equal work, not equal wall time: each search is the same CLI search (same seed, population,
 *   workers) and is stopped by Ctrl-C once its process (search loop and worker threads) has used
 *   --cpu-seconds of CPU, read from /proc; evaluations in flight at the stop are lost to both;
 * - no latency measurement and no zero-cost scores (`--latency-runtime none --zc none`), so the
 *   CPU goes to training and validation; the front is on MACs, which are exact;
 * - each search is judged by what it would answer (search/reference/search-answer.ts): its most
 *   accurate candidate among those evaluated at the full proxy budget (for ASHA its top rung);
 * - the answer's worth is its test accuracy after `cellscape reference` at the table's budget
 *   (recipe sgd-0.1-warm-noaug, 4 epochs x 10,000 images, 2,000 test images, seed 0), as a
 *   percentile of the first 50 rows of bench/tables/darts-fmnist-small-x2.jsonl;
 * - hypervolume of each search's full-budget (proxy accuracy, MACs) points against one reference
 *   point for all runs (HV_REFERENCE).
 * Each finished seed is appended to --results, and the tables are printed over every line there,
 * so seeds can be run (and committed) one at a time (`--seeds ''` only prints them); a search whose outcome is already in --dir is
 * not run again.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openStore } from '../search/store/store.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { readRows, readRowsSoFar } from '../search/reference/rows.ts';
import { answerOf, fullBudget, percentileIn, perRung } from '../search/reference/search-answer.ts';
import { cpuSecondsOfStat } from '../search/util/proc-cpu.ts';

const { values } = parseArgs({ options: {
  'cpu-seconds': { type: 'string', default: '200' },
  seeds: { type: 'string', default: '1,2,3' },
  methods: { type: 'string', default: 'evolution,asha' },
  workers: { type: 'string', default: '2' },
  results: { type: 'string' },
  dir: { type: 'string', default: '.cache/multi-fidelity-real' },
  table: { type: 'string', default: 'bench/tables/darts-fmnist-small-x2.jsonl' },
} });
const cpuBudget = Number(values['cpu-seconds']), workers = Number(values.workers);
/** `--seeds ''` runs nothing and prints the tables of --results. */
const seeds = values.seeds.split(',').filter(Boolean).map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds: expected seeds like 1,2,3, got '${values.seeds}'`);
const methods = values.methods.split(',');
for (const m of methods) if (!['evolution', 'asha', 'hyperband'].includes(m)) throw new Error(`--methods: unknown '${m}' (evolution, asha, hyperband)`);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = resolve(values.dir);
mkdirSync(dir, { recursive: true });

/**
 * The search flags both methods share: the default space and proxy, no latency or zero-cost work. A
 * full evaluation took about 30 CPU s here, so a 200 CPU s search trains about 6 at the full budget:
 * a population of 4 (tournaments of 2) lets plain evolution mutate at all, where the default 8
 * would leave it a random sample.
 */
const SEARCH = ['--space', 'darts-fmnist-small', '--strategy', 'evolution', '--budget', '10000', '--population', '4', '--sample', '2',
  '--latency-runtime', 'none', '--zc', 'none'];
/**
 * ASHA's rungs: 667 and 2,000 training images at the proxy's 2 epochs, the top third promoted. A
 * bottom rung at a third of the training lets ASHA try about half as many networks again as plain
 * evolution and still bring a third of them to the top, where 3 rungs at eta 2 (500/1,000/2,000)
 * would try about as many but bring only a quarter up (and 500 images x 2 epochs, 16 steps, left a
 * network at 34 % in a trial run).
 */
const RUNG_FLAGS = ['--eta', '3', '--rungs', '2', '--rung-by', 'images'];
const RUNGS = 2;
const RUNG_IMAGES = '667 / 2,000';
/** The reference table's budget (bench/tables/README.md). */
const REFERENCE = ['--space', 'darts-fmnist-small', '--recipe', 'sgd-0.1-warm-noaug', '--epochs', '4', '--train-images', '10000', '--test-images', '2000', '--seed', '0'];
/** Hypervolume reference: proxy accuracy 0.5 (every full-budget network scores above it) and 10 M MACs (the space's dearest cell, all sep_conv_5x5, has 9.84 M). */
const HV_REFERENCE = [0.5, 10e6];
const TABLE_UNIFORM = 50;

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const cpuOf = (pid: number): number | null => {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), TICKS);
  } catch {
    return null; // exited
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();

interface Spent { cpuSeconds: number; wallSeconds: number; loadStart: number; loadEnd: number }

/**
 * Runs `cellscape ARGS` with its output in LOG; with `stopAtCpu`, sends Ctrl-C once the process
 * has used that much CPU. Returns the CPU it had used when last seen alive (polled every 200 ms).
 */
async function cellscape(args: string[], log: string, stopAtCpu?: number): Promise<Spent & { code: number | null; stopped: boolean }> {
  const loadStart = loadavg()[0], t0 = performance.now();
  const out = createWriteStream(log);
  const child = spawn(process.execPath, ['--import', 'tsx', 'search/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let code: number | null | undefined;
  child.on('exit', (c) => { code = c; });
  let cpu = 0, stopped = false;
  while (code === undefined) {
    cpu = cpuOf(child.pid!) ?? cpu;
    if (stopAtCpu !== undefined && !stopped && cpu >= stopAtCpu) {
      child.kill('SIGINT');
      stopped = true;
    }
    await sleep(200);
  }
  return { code, stopped, cpuSeconds: cpu, wallSeconds: (performance.now() - t0) / 1000, loadStart, loadEnd: loadavg()[0] };
}

const searchSchema = z.object({
  method: z.string(), seed: z.number(), cpuSeconds: z.number(), wallSeconds: z.number(), loadStart: z.number(), loadEnd: z.number(),
  perRung: z.array(z.number()), full: z.number(), hv: z.number(),
  answer: z.object({ key: z.string(), genotype: z.unknown(), accuracy: z.number(), flops: z.number() }).nullable(),
});
type SearchOutcome = z.infer<typeof searchSchema>;
const resultSchema = searchSchema.extend({
  reference: z.object({ accuracy: z.number(), percentile: z.number() }).nullable(),
  /** CPU of the seed's reference command (all its methods' answers, trained together). */
  referenceCpuSeconds: z.number(), referenceWallSeconds: z.number(), commit: z.string(), date: z.string(),
});
type Result = z.infer<typeof resultSchema>;

async function search(method: string, seed: number): Promise<SearchOutcome> {
  const saved = join(dir, `${method}-${seed}.json`);
  if (existsSync(saved)) return searchSchema.parse(JSON.parse(readFileSync(saved, 'utf8')));
  const db = join(dir, `${method}-${seed}.db`);
  if (existsSync(db)) throw new Error(`${db} exists without its outcome (an interrupted search): delete it to run the search again`);
  const args = ['search', ...SEARCH, '--workers', String(workers), '--seed', String(seed),
    ...(method === 'evolution' ? [] : ['--fidelity', method, ...RUNG_FLAGS]), '--db', db];
  const spent = await cellscape(args, join(dir, `${method}-${seed}.log`), cpuBudget);
  if (!spent.stopped) throw new Error(`search ${method} seed ${seed} ended (code ${spent.code}) before using ${cpuBudget} CPU s: see ${dir}/${method}-${seed}.log`);
  const store = openStore(db, { readonly: true });
  try {
    const candidates = store.listCandidates(1), rungs = store.listRungs(1);
    const topRung = method === 'evolution' ? null : RUNGS - 1;
    const full = fullBudget(candidates, rungs, topRung);
    const answer = answerOf(full, 'accuracy');
    const outcome: SearchOutcome = {
      method, seed, ...spent, perRung: perRung(candidates, rungs, topRung, RUNGS), full: full.length,
      hv: hypervolume(full.map((c) => [c.metrics.accuracy!, c.metrics.flops!]), HV_REFERENCE, ['max', 'min']),
      answer: answer && { key: answer.key, genotype: answer.genotype, accuracy: answer.metrics.accuracy!, flops: answer.metrics.flops! },
    };
    writeFileSync(saved, JSON.stringify(outcome) + '\n');
    return outcome;
  } finally {
    store.close();
  }
}

const table = readRows(values.table, '--table').slice(0, TABLE_UNIFORM);
const tableBudget = JSON.stringify([table[0].budget, table[0].seed]);

for (const seed of seeds) {
  const outcomes: SearchOutcome[] = [];
  for (const method of methods) {
    const o = await search(method, seed);
    outcomes.push(o);
    process.stderr.write(`${method} seed ${seed}: ${o.cpuSeconds.toFixed(0)} CPU s, ${o.wallSeconds.toFixed(0)} s, rungs ${o.perRung.join('/')}, ` +
      `answer ${o.answer ? `${(100 * o.answer.accuracy).toFixed(1)} % at ${(o.answer.flops / 1e6).toFixed(2)} M MACs` : 'none'}, hv ${o.hv.toFixed(0)}\n`);
  }
  // The answers, trained together at the table's budget (the reference file skips one already trained).
  const answers = outcomes.flatMap((o) => (o.answer ? [o.answer] : []));
  const genotypes = join(dir, `answers-${seed}.json`), rowsFile = join(dir, 'reference.jsonl');
  writeFileSync(genotypes, JSON.stringify(answers.map((a) => a.genotype)) + '\n');
  const ref = answers.length === 0 ? { cpuSeconds: 0, wallSeconds: 0, code: 0 } : await cellscape(['reference', '--genotypes', genotypes, ...REFERENCE,
    '--workers', String(workers), '--out', rowsFile, '--db', join(dir, 'reference.db')], join(dir, `reference-${seed}.log`));
  if (ref.code !== 0) throw new Error(`reference of seed ${seed} failed (code ${ref.code}): see ${dir}/reference-${seed}.log`);
  // The answers' table grows seed by seed; a first seed without answers has not written it yet.
  const rows = readRowsSoFar(rowsFile);
  for (const o of outcomes) {
    const row = o.answer && rows.find((r) => r.arch === o.answer!.key);
    if (o.answer && !row) throw new Error(`${rowsFile}: no row for the answer of ${o.method} seed ${seed}`);
    if (row && JSON.stringify([row.budget, row.seed]) !== tableBudget) throw new Error(`${rowsFile}: its budget differs from ${values.table}'s`);
    const result: Result = {
      ...o, reference: row ? { accuracy: row.accuracy, percentile: percentileIn(row.accuracy, table.map((t) => t.accuracy)) } : null,
      referenceCpuSeconds: ref.cpuSeconds, referenceWallSeconds: ref.wallSeconds, commit, date: new Date().toISOString(),
    };
    if (values.results) appendFileSync(values.results, JSON.stringify(result) + '\n');
    process.stderr.write(`${o.method} seed ${seed}: reference ${row ? `${(100 * row.accuracy).toFixed(2)} %, percentile ${result.reference!.percentile.toFixed(0)}` : 'none'}\n`);
  }
}

// ---- Tables over every result in --results ----
if (values.results) {
  const all = readFileSync(values.results, 'utf8').trim().split('\n').map((l) => resultSchema.parse(JSON.parse(l)))
    .sort((a, b) => a.seed - b.seed || methods.indexOf(a.method) - methods.indexOf(b.method));
  const pct = (x: number) => (100 * x).toFixed(2);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const lines = [
    `| seed | method | CPU s (wall s, load) | evaluations at ${RUNG_IMAGES} images | answer: proxy % at M MACs | answer at 4 epochs (%) | percentile of 50 | hv (full budget) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.map((r) => `| ${r.seed} | ${r.method} | ${r.cpuSeconds.toFixed(0)} (${r.wallSeconds.toFixed(0)}, ${r.loadStart.toFixed(1)}-${r.loadEnd.toFixed(1)}) | ${r.perRung.join(' / ')} | ` +
      `${r.answer ? `${pct(r.answer.accuracy)} at ${(r.answer.flops / 1e6).toFixed(2)}` : '-'} | ${r.reference ? pct(r.reference.accuracy) : '-'} | ${r.reference ? r.reference.percentile.toFixed(0) : '-'} | ${(r.hv / 1e6).toFixed(4)} |`),
    '',
    '| method | seeds | mean answer at 4 epochs (%) | mean percentile | mean hv | mean full-budget evaluations |',
    '| --- | --- | --- | --- | --- | --- |',
    ...methods.map((m) => {
      const rs = all.filter((r) => r.method === m && r.reference);
      if (rs.length === 0) return `| ${m} | 0 | - | - | - | - |`;
      return `| ${m} | ${rs.map((r) => r.seed).join(', ')} | ${pct(mean(rs.map((r) => r.reference!.accuracy)))} | ${mean(rs.map((r) => r.reference!.percentile)).toFixed(0)} | ` +
        `${(mean(rs.map((r) => r.hv)) / 1e6).toFixed(4)} | ${mean(rs.map((r) => r.full)).toFixed(1)} |`;
    }),
  ];
  console.log(lines.join('\n'));
}
