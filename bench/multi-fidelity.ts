/**
 * `node --import tsx bench/multi-fidelity.ts [--seconds 20] [--delay-ms 300] [--seeds 1,2,3]
 *  [--methods evolution,asha,hyperband] [--workers 2] [--out bench/data/multi-fidelity.md]`:
 * aging evolution on the proxy budget against the same evolution under ASHA (and Hyperband) at
 * equal wall time on the same workers: the best reference accuracy each finds, and the
 * hypervolume (reference accuracy, latency) of what it evaluated at the full budget, per seed.
 *
 * The landscape is the synthetic NAS-Bench-201-layout table with learning curves
 * (test/synthetic-nb201.ts: a FORMULA, not measurements): every cell has a reference accuracy
 * (converged) and an accuracy after 1, 3 and 9 epochs, larger cells learning slower so that
 * short budgets mislead. What keeps the comparison honest:
 * - both searches are the same CLI search (`--strategy evolution`, same population, seed,
 *   workers, in-flight window) over the same table, and stop by Ctrl-C after the same wall time,
 *   counted from their first finished evaluation (worker start-up is not the method's cost);
 * - an evaluation costs wall time in proportion to its budget (`--eval-delay-ms` is the cost of
 *   the full 9 epochs, a 1-epoch rung a ninth of it), and each pays the loop's real overhead;
 * - each search is judged by what it would answer: plain evolution by its best measured
 *   candidate, ASHA only by candidates it trained at the full budget (its top rung), never by
 *   looking up the reference accuracy of rung-0 candidates it could not tell apart
 *   (search/reference/search-answer.ts, shared with bench/multi-fidelity-real.ts);
 * - a cheap rung is cheap because it is noisy and biased: the table's rank correlation between
 *   each budget and the reference is printed beside the results.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore } from '../search/store/store.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { rankCorrelation } from '../search/util/rank.ts';
import { parseRecords } from '../search/evaluate/table-records.ts';
import { readInputFile } from '../search/util/files.ts';
import { writeNb201CurveTable } from '../test/executor-fixtures.ts';
import { answerOf, fullBudget, perRung as countPerRung } from '../search/reference/search-answer.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '20' },
  'delay-ms': { type: 'string', default: '300' },
  seeds: { type: 'string', default: '1,2,3' },
  methods: { type: 'string', default: 'evolution,asha,hyperband' },
  workers: { type: 'string', default: '2' },
  out: { type: 'string' },
} });
const seconds = Number(values.seconds), delayMs = Number(values['delay-ms']), workers = Number(values.workers);
const seeds = values.seeds.split(',').map(Number);
const methods = values.methods.split(',');
const EPOCHS = [1, 3, 9];
/** Hypervolume reference: accuracy 0, latency 7 ms (above the table's slowest cell, 6.5 ms). */
const HV_REFERENCE = [0, 7];

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cellscape-mf-'));
const tablePath = writeNb201CurveTable(dir, EPOCHS);
const rows = new Map(parseRecords(tablePath, readInputFile(tablePath, 'the table')).records.map(({ fields }) => [String(fields.arch), {
  reference: Number(fields.accuracy), latency: Number(fields.latency_ms), curve: EPOCHS.map((e) => Number(fields[`acc_${e}`])),
}]));
const space = loadSpace(resolveSpacePath('nb201'));

/** The search's command line: the method is the only difference. */
function searchArgs(method: string, seed: number, db: string): string[] {
  return ['search', '--space', 'nb201', '--strategy', 'evolution', '--evaluator', `table:${tablePath}`,
    '--col', 'accuracy=acc_{epochs},latency_ms=latency_ms', '--epochs', String(EPOCHS.at(-1)), '--budget', '100000',
    '--population', '20', '--sample', '5', '--workers', String(workers), '--eval-delay-ms', String(delayMs), '--seed', String(seed),
    ...(method === 'evolution' ? [] : ['--fidelity', method, '--eta', '3', '--rungs', String(EPOCHS.length)]), '--db', db];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function started(db: string): boolean {
  try {
    const store = openStore(db, { readonly: true });
    try {
      return store.listCandidates(1).some((c) => c.finishedAt !== null);
    } finally {
      store.close();
    }
  } catch {
    return false;
  }
}

/** Runs one search and stops it with Ctrl-C `seconds` after its first evaluation finished (its workers are up by then). */
async function runFor(args: string[], db: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'search/cli.ts', ...args], { cwd: root, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  while (!started(db)) await sleep(50);
  await sleep(seconds * 1000);
  child.kill('SIGINT');
  await exited;
}

interface Outcome { method: string; seed: number; found: number; bestReachable: number; hv: number; perRung: number[]; utilisation: number }

function judge(method: string, seed: number, db: string): Outcome {
  const store = openStore(db, { readonly: true });
  try {
    const candidates = store.listCandidates(1), rungs = store.listRungs(1);
    const top = EPOCHS.length - 1, topRung = method === 'evolution' ? null : top;
    const perRung = countPerRung(candidates, rungs, topRung, EPOCHS.length);
    const full = fullBudget(candidates, rungs, topRung);
    const arch = (g: unknown) => rows.get(formatNb201(space.validate(g as never) as TabularCellGenotype))!;
    const answer = answerOf(full, 'accuracy');
    const busy = perRung.reduce((t, n, k) => t + (n * delayMs * EPOCHS[k]) / EPOCHS[top], 0);
    return {
      method, seed, perRung,
      found: answer ? arch(answer.genotype).reference : NaN,
      bestReachable: Math.max(...full.map((c) => arch(c.genotype).reference)),
      hv: hypervolume(full.map((c) => [arch(c.genotype).reference, arch(c.genotype).latency]), HV_REFERENCE, ['max', 'min']),
      utilisation: busy / (seconds * 1000 * workers),
    };
  } finally {
    store.close();
  }
}

const outcomes: Outcome[] = [];
for (const seed of seeds) {
  for (const method of methods) {
    const db = join(dir, `${method}-${seed}.db`);
    await runFor(searchArgs(method, seed, db), db);
    const o = judge(method, seed, db);
    outcomes.push(o);
    process.stderr.write(`${method} seed ${seed}: found ${o.found.toFixed(4)}, hv ${o.hv.toFixed(4)}, rungs ${o.perRung.join('/')}\n`);
  }
}
rmSync(dir, { recursive: true, force: true });

const all = [...rows.values()];
const optimum = Math.max(...all.map((r) => r.reference));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines = [
  '# Multi-fidelity (ASHA, Hyperband) vs plain aging evolution at equal wall time',
  '',
  `Command: \`node --import tsx bench/multi-fidelity.ts --seconds ${seconds} --delay-ms ${delayMs} --seeds ${seeds.join(',')} --methods ${methods.join(',')} --workers ${workers}\``,
  '',
  `Landscape: the SYNTHETIC NAS-Bench-201-layout table with learning curves (test/synthetic-nb201.ts, a formula, not measurements), ${rows.size} cells, best reference accuracy ${optimum.toFixed(4)}.`,
  `Rank correlation (Spearman) of each budget with the reference over all cells: ${EPOCHS.map((e, i) => `${e} epoch${e > 1 ? 's' : ''} ${rankCorrelation(all.map((r) => r.curve[i]), all.map((r) => r.reference)).toFixed(3)}`).join(', ')}.`,
  `Each search: --strategy evolution --population 20 --sample 5 on ${workers} workers, stopped ${seconds} s after its first evaluation finished; a full (${EPOCHS.at(-1)}-epoch) evaluation costs ${delayMs} ms, a rung in proportion to its epochs.`,
  '"found": reference accuracy of the candidate the search answers (its best measured at the full budget); "best at full": the best reference accuracy among all it evaluated at the full budget; hv: hypervolume of (reference accuracy, latency) of those, reference point (0, 7 ms); "busy": share of worker time spent in evaluation delays (the rest is the loop\'s overhead and idling).',
  '',
  '| method | seed | found | best at full | hv | evaluations at 1/3/9 epochs | busy |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...outcomes.map((o) => `| ${o.method} | ${o.seed} | ${o.found.toFixed(4)} | ${o.bestReachable.toFixed(4)} | ${o.hv.toFixed(4)} | ${o.perRung.join(' / ')} | ${(o.utilisation * 100).toFixed(0)} % |`),
  '',
  '| method | mean found | mean hv | mean regret (optimum - found) |',
  '| --- | --- | --- | --- |',
  ...methods.map((m) => {
    const os = outcomes.filter((o) => o.method === m);
    return `| ${m} | ${mean(os.map((o) => o.found)).toFixed(4)} | ${mean(os.map((o) => o.hv)).toFixed(4)} | ${mean(os.map((o) => optimum - o.found)).toFixed(4)} |`;
  }),
];
const text = lines.join('\n');
console.log(text);
if (values.out) writeFileSync(values.out, text + '\n');
