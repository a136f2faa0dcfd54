/**
 * `node --import tsx bench/predictor.ts [--seeds 10] [--budget 150] [--screen-seeds 3] [--screen-budget 100] [--out bench/data/predictor]`
 *
 * On the synthetic NAS-Bench-201-layout table (test/synthetic-nb201.ts: accuracies from a FORMULA,
 * not measurements), looked up through the table evaluator's own code (a CSV of all 15,625 cells):
 *
 * (a) the predictor strategy (BANANAS: MLP ensemble, Thompson sampling or UCB; optionally the
 *     table's parameter count, the #params zero-cost baseline, as an extra feature) against aging
 *     evolution and random search: mean (and spread) of the best accuracy after 50, 100 and 150
 *     queries over `--seeds` seeds, one query at a time;
 * (b) pre-screened against plain evolution (aging evolution and NSGA-II on accuracy and latency)
 *     at equal training budget (`--screen-budget` table queries): each ask draws 1/keep = 4 times
 *     over and keeps the best by synflow, scored on the real network (NB-201 cells built at
 *     Fashion-MNIST's 28x28x1, initialised from seed 0, as bench/zero-cost.ts does); best accuracy
 *     and hypervolume of (accuracy, latency) against (0, 7 ms), over `--screen-seeds` seeds.
 *
 * Resumable: every (part, strategy, seed) result is appended to OUT.jsonl as it finishes and
 * skipped when the same command runs again; OUT.md is rewritten from all of them at the end
 * (`--report-only`: from what OUT.jsonl holds, computing nothing).
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { createTableEvaluator, loadTable } from '../search/evaluate/table.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { buildNetwork } from '../search/space/build.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import { createBananas } from '../search/strategies/bananas.ts';
import { driveSearch } from '../search/strategies/drive.ts';
import { createNsga2 } from '../search/strategies/nsga2.ts';
import { encoderFor } from '../search/strategies/predictor/encode.ts';
import { withPrescreen } from '../search/strategies/prescreen.ts';
import { createRandomSearch } from '../search/strategies/random.ts';
import type { Proposal, Strategy } from '../search/strategies/types.ts';
import { synflowProxy } from '../search/evaluate/zero-cost/synflow.ts';
import { scoreNetwork } from '../search/evaluate/zero-cost/score.ts';
import { createRng } from '../search/util/rng.ts';
import { writeNb201Table } from '../test/executor-fixtures.ts';
import { nb201Space } from '../test/strategy-fixtures.ts';

const { values } = parseArgs({ options: {
  seeds: { type: 'string', default: '10' },
  budget: { type: 'string', default: '150' },
  'screen-seeds': { type: 'string', default: '3' },
  'screen-budget': { type: 'string', default: '100' },
  out: { type: 'string', default: 'bench/data/predictor' },
  /** Write OUT.md from the rows OUT.jsonl holds, computing nothing. */
  'report-only': { type: 'boolean', default: false },
  /** Which parts to compute: a, b or ab (two processes may share OUT, one a part each). */
  parts: { type: 'string', default: 'ab' },
} });
const compute = !values['report-only'];
const seeds = Number(values.seeds), budget = Number(values.budget);
const screenSeeds = Number(values['screen-seeds']), screenBudget = Number(values['screen-budget']);
const CHECKPOINTS = [50, 100, 150].filter((n) => n <= budget);
const REFERENCE = [0, 7];

const space = nb201Space();
const table = loadTable(writeNb201Table(mkdtempSync(join(tmpdir(), 'cellscape-bench-'))), { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms', params: 'params' } });
const lookup = createTableEvaluator<TabularCellGenotype>(table, formatNb201);
const encode = encoderFor(space);
const tableBest = Math.max(...[...table.rows.values()].map((r) => r.accuracy!));

type Row = { part: 'a' | 'b'; strategy: string; seed: number; best: Record<string, number>; hv?: number; seconds: number };
const jsonl = `${values.out}.jsonl`;
const done: Row[] = existsSync(jsonl) ? readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
const has = (part: string, strategy: string, seed: number) => done.some((r) => r.part === part && r.strategy === strategy && r.seed === seed);
const record = (r: Row) => { done.push(r); appendFileSync(jsonl, JSON.stringify(r) + '\n'); console.error(JSON.stringify(r)); };

// ---- (a) predictor vs aging evolution vs random ----
const paramsOf = (ps: readonly Proposal<TabularCellGenotype>[]) => ps.map((p) => [lookup.evaluate(p.genotype).params!]);
const partA: Record<string, (seed: number) => Strategy<TabularCellGenotype>> = {
  random: (seed) => createRandomSearch(space, {}, { seed }),
  aging: (seed) => createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed }),
  'bananas-its': (seed) => createBananas(space, { acquisition: 'its' }, { encode }, { seed }),
  'bananas-ucb': (seed) => createBananas(space, { acquisition: 'ucb' }, { encode }, { seed }),
  'bananas-its+params': (seed) => createBananas(space, { acquisition: 'its' }, { encode, score: paramsOf }, { seed }),
};
for (const [name, make] of Object.entries(partA)) {
  for (let seed = 1; seed <= seeds; seed++) {
    if (!compute || !values.parts!.includes('a') || has('a', name, seed)) continue;
    const t0 = performance.now();
    const history = driveSearch(make(seed), (g) => lookup.evaluate(g), { budget });
    const acc = history.map((h) => ('metrics' in h.result ? h.result.metrics.accuracy! : -Infinity));
    const best = Object.fromEntries(CHECKPOINTS.map((n) => [n, Math.max(...acc.slice(0, n))]));
    record({ part: 'a', strategy: name, seed, best, seconds: (performance.now() - t0) / 1000 });
  }
}

// ---- (b) pre-screened vs plain evolution at equal training budget ----
if (compute && values.parts!.includes('b')) await initBackend();
const synflowCache = new Map<string, number>();
const synflow = (ps: readonly Proposal<TabularCellGenotype>[]) => ps.map((p) => {
  let v = synflowCache.get(p.key);
  if (v === undefined) {
    const net = buildNetwork(space, p.genotype, { inShape: [28, 28, 1], classes: 10, rng: createRng(0) });
    try {
      const s = scoreNetwork(net, [synflowProxy])[synflowProxy.name];
      v = 'value' in s ? s.value : NaN;
    } finally {
      net.dispose();
    }
    synflowCache.set(p.key, v);
  }
  return [v];
});
const screened = (s: Strategy<TabularCellGenotype>) => withPrescreen(s, { keep: 0.25, score: synflow, label: 'synflow' });
const partB: Record<string, (seed: number) => Strategy<TabularCellGenotype>> = {
  aging: (seed) => createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed }),
  'aging+screen': (seed) => screened(createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed })),
  nsga2: (seed) => createNsga2(space, { populationSize: 20, objectives: ['accuracy', 'latency_ms'] }, { seed }),
  'nsga2+screen': (seed) => screened(createNsga2(space, { populationSize: 20, objectives: ['accuracy', 'latency_ms'] }, { seed })),
};
for (const [name, make] of Object.entries(partB)) {
  for (let seed = 1; seed <= screenSeeds; seed++) {
    if (!compute || !values.parts!.includes('b') || has('b', name, seed)) continue;
    const t0 = performance.now();
    const history = driveSearch(make(seed), (g) => lookup.evaluate(g), { budget: screenBudget });
    const points = history.flatMap((h) => ('metrics' in h.result ? [[h.result.metrics.accuracy!, h.result.metrics.latency_ms!]] : []));
    record({ part: 'b', strategy: name, seed, best: { [screenBudget]: Math.max(...points.map((p) => p[0])) }, hv: hypervolume(points, REFERENCE, ['max', 'min']), seconds: (performance.now() - t0) / 1000 });
  }
}

// ---- report ----
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
/** Mean ± spread over the seeds computed so far; a row short of its seeds says how many it has. */
const cell = (xs: number[], of: number) => (xs.length === 0 ? 'not run' : `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}${xs.length < of ? ` (${xs.length} of ${of} seeds)` : ''}`);
// The command that computes everything: without --report-only and --parts (as `--parts X` or `--parts=X`).
const argv = process.argv.slice(2);
const command = `node --import tsx bench/predictor.ts ${argv.filter((a, i) => a !== '--report-only' && !a.startsWith('--parts') && argv[i - 1] !== '--parts').join(' ')}`.trim();
const lines = [
  '# Predictor strategy, and pre-screened evolution, on the SYNTHETIC NB-201-layout table',
  '',
  `Made by \`${command}\`, ${new Date().toISOString().slice(0, 10)}. The table is a formula (test/synthetic-nb201.ts), not measurements;`,
  `its best cell has accuracy ${tableBest.toFixed(4)}. Every query is a lookup through the table evaluator's code. Mean ± standard deviation over seeds; seconds are the strategy's own time (the lookups are free), on a shared machine.`,
  '',
  `## (a) Best accuracy after N queries, ${seeds} seeds, one query at a time`,
  '',
  `| strategy | ${CHECKPOINTS.map((n) => `after ${n}`).join(' | ')} | s / run |`,
  `|---|${CHECKPOINTS.map(() => '---').join('|')}|---|`,
  ...Object.keys(partA).map((name) => {
    const rows = done.filter((r) => r.part === 'a' && r.strategy === name && r.seed <= seeds);
    return `| ${name} | ${CHECKPOINTS.map((n) => cell(rows.map((r) => r.best[n]), seeds)).join(' | ')} | ${rows.length ? mean(rows.map((r) => r.seconds)).toFixed(1) : '—'} |`;
  }),
  '',
  'bananas: 10 random samples, then an ensemble of 5 MLPs (one hidden layer of 32, 200 Adam epochs) refitted every 5 proposals, which are the best by the acquisition among 100 mutations of the 10 best; its = independent Thompson sampling, ucb = mean + 1 spread; +params: the table\'s parameter count (the #params zero-cost baseline) as an extra feature. aging: population 20, sample 5.',
  '',
  `## (b) Pre-screened (synflow, keep 1 in 4) vs plain, ${screenBudget} table queries each, ${screenSeeds} seeds`,
  '',
  '| strategy | best accuracy | hypervolume (accuracy, latency; ref 0, 7 ms) | s / run |',
  '|---|---|---|---|',
  ...Object.keys(partB).map((name) => {
    const rows = done.filter((r) => r.part === 'b' && r.strategy === name && r.seed <= screenSeeds);
    return `| ${name} | ${cell(rows.map((r) => r.best[screenBudget]), screenSeeds)} | ${cell(rows.map((r) => r.hv!), screenSeeds)} | ${rows.length ? mean(rows.map((r) => r.seconds)).toFixed(1) : '—'} |`;
  }),
  '',
  `+screen: every ask draws four times the proposals and keeps the quarter with the highest synflow of the untrained network (a scored cell is cached across the seeds of a sitting: the first seed's run pays for most of the scoring). Equal budget: the same number of table queries (trainings); the screening's cost is extra.`,
];
const text = lines.join('\n') + '\n';
console.log(text);
writeFileSync(`${values.out}.md`, text);
