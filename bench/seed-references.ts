/**
 * `node --import tsx bench/seed-references.ts [--task segmentation|classification|all] [--seeds N]
 *   [--epochs E] [--train N] [--val N] [--names a,b] [--searched RUN --db FILE] [--out bench/data/seed-references]`
 * Trains the hand-designed reference architectures (search/space/references.ts) from scratch at a
 * stated budget, as the proxy evaluator does (the same job, on one core): segmentation ones on
 * `scenes-context` (mIoU and pixel accuracy on the validation scenes), classification ones on
 * Fashion-MNIST (validation accuracy); with parameters, MACs and batch-1 TF.js latency.
 * `--searched RUN --db FILE` adds the best candidate of a stored search run (by its run's quality),
 * trained again at the same budget and seeds, so the table sets the search beside the hand designs.
 *
 * Resumable: every finished (architecture, seed, budget) is a line of <out>.jsonl, and a rerun
 * trains only the lines missing; <out>.md is the table of all lines, rewritten after each.
 * Latency comes from a loaded machine: compare it only within one file.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { evaluateJob } from '../search/evaluate/proxy.ts';
import { SEG_DEFAULTS } from '../search/run/drivers/ask-tell.ts';
import { readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { REFERENCE_ARCHITECTURES, type ReferenceArchitecture } from '../search/space/references.ts';
import { openReader } from '../search/store/store.ts';
import { DEFAULT_RECIPE, RECIPES, proxyRecipeOf } from '../search/train/recipes.ts';
import type { ProxyBudget } from '../search/contracts/budget.ts';
import { readJsonLines } from './rows-file.ts';

const { values: args } = parseArgs({ options: {
  task: { type: 'string', default: 'all' }, seeds: { type: 'string', default: '2' },
  epochs: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, names: { type: 'string' },
  searched: { type: 'string' }, db: { type: 'string', default: 'runs.db' },
  out: { type: 'string', default: 'bench/data/seed-references' },
} });
if (!['segmentation', 'classification', 'all'].includes(args.task!)) throw new Error(`--task: expected segmentation, classification or all, got '${args.task}'`);
const backend = await initBackend();
const seeds = Number(args.seeds);
const out = args.out!;
const command = `node --import tsx bench/seed-references.ts ${process.argv.slice(2).join(' ')}`.trim();

function budgetFor(task: 'segmentation' | 'classification'): { dataset: string; budget: ProxyBudget } {
  const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
  if (task === 'segmentation') {
    const d = SEG_DEFAULTS;
    return { dataset: 'scenes-context', budget: { epochs: num(args.epochs, d.epochs), trainImages: num(args.train, d.trainImages), valImages: num(args.val, d.valImages), batchSize: d.batchSize, learningRate: d.learningRate } };
  }
  const r = RECIPES[DEFAULT_RECIPE];
  return { dataset: 'fashion-mnist', budget: { epochs: num(args.epochs, 1), trainImages: num(args.train, 2000), valImages: num(args.val, 1000), batchSize: r.batchSize, learningRate: r.learningRate, recipe: proxyRecipeOf(r) } };
}

interface Row {
  name: string; space: string; task: string; seed: number; dataset: string; budget: ProxyBudget;
  quality: number; pixel_accuracy?: number; latency_ms?: number; params: number; flops: number; train_seconds: number; backend: string;
}

const budgetKey = (b: ProxyBudget): string => `${b.epochs}x${b.trainImages}/${b.valImages}`;
const rowKey = (r: Pick<Row, 'name' | 'seed' | 'budget'>): string => `${r.name}|${r.seed}|${budgetKey(r.budget)}`;

const readRows = (): Row[] => readJsonLines<Row>(`${out}.jsonl`);

const stats = (v: number[]) => ({ mean: v.reduce((x, y) => x + y, 0) / v.length, min: Math.min(...v), max: Math.max(...v) });
const median = (v: number[]) => { const s = [...v].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** One line per architecture and budget: its seeds' mean quality (with the spread), median latency. */
function summary(rows: Row[]) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.name}|${budgetKey(r.budget)}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const pixel = g.map((r) => r.pixel_accuracy).filter((v) => v !== undefined);
    const latency = g.map((r) => r.latency_ms).filter((v) => v !== undefined);
    return {
      name: g[0].name, budget: budgetKey(g[0].budget), n: g.length, label: g[0].task === 'segmentation' ? 'mIoU' : 'acc',
      quality: stats(g.map((r) => r.quality)), pixel: pixel.length ? stats(pixel) : undefined,
      latency: latency.length ? median(latency) : undefined, params: g[0].params, flops: g[0].flops,
    };
  });
}

function writeTable(rows: Row[]): void {
  const f = (x: number | undefined, d: number): string => (x === undefined ? '' : x.toFixed(d));
  const lines = [
    `# Reference architectures (${backend.name})`, '',
    `Made by \`${command}\` (resumable: rerun to finish or extend). Each row is one training from scratch at the stated budget, scored on the validation split: mIoU on \`scenes-context\`, accuracy on Fashion-MNIST. Latency is TF.js at batch 1 on one thread of a shared, loaded machine.`, '',
    '| architecture | budget | seeds | quality (mean, min-max) | pixel acc. (mean) | latency ms (median) | params | MMACs |',
    '|---|---|---|---|---|---|---|---|',
    ...summary(rows).map((g) => `| ${g.name} | ${g.budget} | ${g.n} | ${g.label} ${f(g.quality.mean, 3)} (${f(g.quality.min, 3)}-${f(g.quality.max, 3)}) | ${f(g.pixel?.mean, 3)} | ${f(g.latency, 2)} | ${g.params} | ${f(g.flops / 1e6, 2)} |`),
    '', 'Each training:', '',
    '| architecture | space | seed | budget (epochs x train/val) | quality | pixel acc. | latency ms | params | MMACs | train s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.space} | ${r.seed} | ${budgetKey(r.budget)} | ${r.task === 'segmentation' ? 'mIoU' : 'acc'} ${f(r.quality, 3)} | ${f(r.pixel_accuracy, 3)} | ${f(r.latency_ms, 2)} | ${r.params} | ${f(r.flops / 1e6, 2)} | ${f(r.train_seconds, 0)} |`),
    '', ...[...new Set([...REFERENCE_ARCHITECTURES, ...chosen])].filter((a) => rows.some((r) => r.name === a.name)).map((a) => `- **${a.name}** (${a.space}): ${a.note}`), '',
  ];
  writeFileSync(`${out}.md`, lines.join('\n'));
}

const wanted = args.names?.split(',');
const chosen: ReferenceArchitecture[] = REFERENCE_ARCHITECTURES.filter((a) => !wanted || wanted.includes(a.name));
if (wanted) for (const n of wanted) if (!chosen.some((a) => a.name === n)) throw new Error(`--names: unknown reference '${n}' (known: ${REFERENCE_ARCHITECTURES.map((a) => a.name).join(', ')})`);
if (args.searched !== undefined) chosen.push(searchedBest(Number(args.searched)));

/** The best done candidate of a stored search run, as a row of this table (its space is the run's, shipped under that name). */
function searchedBest(runId: number): ReferenceArchitecture {
  const store = openReader(args.db!);
  try {
    const run = store.getRunSummary(runId);
    if (!run) throw new Error(`--searched ${runId}: no such run in ${args.db}`);
    const done = store.listCandidates(runId, { status: 'done' }).filter((c) => c.metrics[run.quality] !== undefined);
    if (done.length === 0) throw new Error(`--searched ${runId}: no finished candidates`);
    const best = done.reduce((a, b) => (b.metrics[run.quality]! > a.metrics[run.quality]! ? b : a));
    return { name: `searched (run ${runId} #${best.id})`, space: run.spaceName, genotype: best.genotype as ReferenceArchitecture['genotype'], note: `the best by ${run.quality} of the ${done.length} candidates of a search made by \`${run.commandLine}\`` };
  } finally {
    store.close();
  }
}
mkdirSync(dirname(out), { recursive: true });
const rows = readRows();
const done = new Set(rows.map(rowKey));

// Seed-major: a run stopped part-way leaves every architecture at its first seed before any at its second.
for (let seed = 0; seed < seeds; seed++) for (const arch of chosen) {
  const spaceDef = readJsonFile(resolveSpacePath(arch.space)) as { task?: string };
  const task = spaceDef.task === 'segmentation' ? 'segmentation' : 'classification';
  if (args.task !== 'all' && args.task !== task) continue;
  const { dataset, budget } = budgetFor(task);
  if (done.has(rowKey({ name: arch.name, seed, budget }))) continue;
  const r = await evaluateJob({
    runId: 0, candidateId: 0, key: arch.name, spaceDef, genotype: arch.genotype, task, dataset, budget,
    latency: { runtime: 'tfjs', warmup: 3, repeats: 20 }, seed,
  });
  const m = r.metrics;
  const row: Row = {
    name: arch.name, space: arch.space, task, seed, dataset, budget,
    quality: (task === 'segmentation' ? m.miou : m.accuracy)!, pixel_accuracy: m.pixel_accuracy, latency_ms: m.latency_ms,
    params: m.params!, flops: m.flops!, train_seconds: m.train_seconds!, backend: r.backend,
  };
  appendFileSync(`${out}.jsonl`, JSON.stringify(row) + '\n');
  rows.push(row);
  writeTable(rows);
  console.log(JSON.stringify(row));
}
writeTable(rows);
