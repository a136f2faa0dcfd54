/**
 * `node --import tsx bench/fewshot.ts [--part archs|search|all] [--seeds N] [--epochs E] [--train N]
 *   [--val N] [--episodes N] [--names a,b,c] [--heads prototype,attention] [--budget N]
 *   [--population P] [--out bench/data/fewshot]`
 *
 * Few-shot segmentation (`--task fewshot-seg`, search/evaluate/fewshot.ts), two questions:
 * - archs: reference architectures of different families (search/space/references.ts) trained on
 *   the base classes as the few-shot evaluator trains them, then 1- and 5-shot novel-class mIoU on
 *   the same fixed episodes, per head and training seed (the episodes stay the same).
 * - search: two NSGA-II searches of seg-blocks with the same seed and budget, one over (miou,
 *   flops), the plain segmentation search, one over (fewshot_miou_1shot, flops) with
 *   `--task fewshot-seg`. The plain search never measured transfer, so each architecture of its
 *   front is trained again by the few-shot evaluator (same budget, seed 0) and the two fronts are
 *   compared on (1-shot mIoU, MACs). MACs, not latency, are the cost: latency on this shared
 *   machine would be noise.
 *
 * Resumable: each finished evaluation is a line of <out>.jsonl; the searches live in
 * .cache/<name>-search.db (not committed) and a rerun resumes an unfinished one. <out>.md is
 * rewritten after every step.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import type { ProxyBudget } from '../search/contracts/budget.ts';
import type { MetricValues } from '../search/contracts/metrics.ts';
import { FEWSHOT_HEADS, type FewShotHead } from '../search/evaluate/fewshot-score.ts';
import { evaluateFewShotJob, FEWSHOT_DATASET, fewShotSpec } from '../search/evaluate/fewshot.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import { SEG_DEFAULTS } from '../search/run/drivers/ask-tell.ts';
import { readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { REFERENCE_ARCHITECTURES } from '../search/space/references.ts';
import type { Genotype } from '../search/space/types.ts';
import { openStore } from '../search/store/store.ts';
import { finishSearch } from './named-search.ts';
import { f3, readJsonLines } from './rows-file.ts';

const { values: args } = parseArgs({ options: {
  part: { type: 'string', default: 'all' }, seeds: { type: 'string', default: '1' },
  epochs: { type: 'string', default: '2' }, train: { type: 'string', default: '256' }, val: { type: 'string', default: '128' },
  episodes: { type: 'string', default: '40' },
  names: { type: 'string', default: 'pspnet-like,swin-upernet-like,bisenet-like' }, heads: { type: 'string', default: FEWSHOT_HEADS.join(',') },
  budget: { type: 'string', default: '6' }, population: { type: 'string', default: '3' },
  out: { type: 'string', default: 'bench/data/fewshot' },
} });
if (!['archs', 'search', 'all'].includes(args.part!)) throw new Error(`--part: expected archs, search or all, got '${args.part}'`);
const heads = args.heads!.split(',') as FewShotHead[];
for (const h of heads) if (!FEWSHOT_HEADS.includes(h)) throw new Error(`--heads: unknown head '${h}'; choose from ${FEWSHOT_HEADS.join(', ')}`);
const out = args.out!;
const command = `node --import tsx bench/fewshot.ts ${process.argv.slice(2).join(' ')}`.trim();
const budget: ProxyBudget = {
  epochs: Number(args.epochs), trainImages: Number(args.train), valImages: Number(args.val), batchSize: SEG_DEFAULTS.batchSize, learningRate: SEG_DEFAULTS.learningRate,
};
const setting = `${budget.epochs}x${budget.trainImages}/${budget.valImages}/${args.episodes}ep`;

/** `source`: a reference's name, or `plain-front` for a plain search's front re-scored; `seed`: the training's (rows before seeds were a flag: 0). */
interface Row { source: string; key: string; head: FewShotHead; setting: string; seed?: number; metrics: MetricValues; backend: string }
const rowKey = (r: Pick<Row, 'source' | 'key' | 'head' | 'setting' | 'seed'>) => `${r.source}|${r.key}|${r.head}|${r.setting}|${r.seed ?? 0}`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const readRows = (): Row[] => readJsonLines<Row>(`${out}.jsonl`);

const spaceDef = readJsonFile(resolveSpacePath('seg-blocks'));

/** One few-shot evaluation, appended to the rows unless they hold it already. */
async function evaluate(rows: Row[], source: string, key: string, genotype: Genotype, head: FewShotHead, backend: string, seed = 0): Promise<Row> {
  const found = rows.find((r) => rowKey(r) === rowKey({ source, key, head, setting, seed }));
  if (found) return found;
  const r = await evaluateFewShotJob({
    runId: 0, candidateId: 0, key, spaceDef, genotype, task: 'fewshot-seg', dataset: FEWSHOT_DATASET, budget,
    latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed,
  }, fewShotSpec.parse({ kind: 'fewshot', head, episodes: Number(args.episodes) }));
  const row: Row = { source, key, head, setting, seed, metrics: r.metrics, backend };
  appendFileSync(`${out}.jsonl`, `${JSON.stringify(row)}\n`);
  rows.push(row);
  console.log(`${source} ${head} seed ${seed}: 1-shot ${f3(r.metrics.fewshot_miou_1shot)} 5-shot ${f3(r.metrics.fewshot_miou_5shot)} (${r.metrics.train_seconds!.toFixed(0)} s)`);
  return row;
}

function archTable(rows: Row[]): string[] {
  const rs = rows.filter((r) => r.setting === setting && r.source !== 'plain-front');
  if (!rs.length) return ['(not run yet)'];
  const lines = ['| architecture | head | seeds | 1-shot novel mIoU (per seed) | 1-shot mean | 5-shot novel mIoU (per seed) | 5-shot mean | MMACs | params | train s |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const [source, head] of [...new Set(rs.map((r) => `${r.source}|${r.head}`))].map((k) => k.split('|'))) {
    const same = rs.filter((r) => r.source === source && r.head === head).sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
    const get = (k: keyof MetricValues) => same.map((r) => r.metrics[k] as number);
    const m = same[0].metrics;
    lines.push(`| ${source} | ${head} | ${same.length} | ${get('fewshot_miou_1shot').map(f3).join(', ')} | ${f3(mean(get('fewshot_miou_1shot')))} | ${get('fewshot_miou_5shot').map(f3).join(', ')} | ${f3(mean(get('fewshot_miou_5shot')))} | ${(m.flops! / 1e6).toFixed(1)} | ${m.params} | ${mean(get('train_seconds')).toFixed(0)} |`);
  }
  return lines;
}

const SEARCHES = [
  { name: 'plain', flags: ['--objectives', 'miou,flops'] },
  { name: 'transfer', flags: ['--task', 'fewshot-seg', '--objectives', 'fewshot_miou_1shot,flops', '--episodes', args.episodes!] },
] as const;
/** Kept out of git with the other caches: the tables in <out>.md are what is committed. */
const searchDb = join('.cache', `${basename(out)}-search.db`);

interface Candidate { key: string; genotype: Genotype; metrics: MetricValues }

function searchCandidates(name: string): Candidate[] {
  if (!existsSync(searchDb)) return [];
  const store = openStore(searchDb, { readonly: true });
  try {
    const run = store.listRuns().find((r) => r.name === `fewshot-${name}`);
    return run ? store.listCandidates(run.id, { status: 'done' }).map((c) => ({ key: c.key, genotype: c.genotype as Genotype, metrics: c.metrics })) : [];
  } finally {
    store.close();
  }
}

/** The plain search's front on its own objectives (miou, MACs). */
const plainFront = (): Candidate[] => {
  const ps = searchCandidates('plain');
  return paretoFront(ps.map((p) => [p.metrics.miou!, p.metrics.flops!]), ['max', 'min']).map((i) => ps[i]);
};

function searchTable(rows: Row[]): string[] {
  const transfer = searchCandidates('transfer');
  const rescored = plainFront().map((c) => rows.find((r) => r.source === 'plain-front' && r.key === c.key && r.setting === setting && r.head === 'prototype' && (r.seed ?? 0) === 0)).filter((r) => r !== undefined);
  if (!transfer.length && !rescored.length) return ['(not run yet)'];
  const points = {
    'plain front, re-scored': rescored.map((r) => ({ key: r.key, oneShot: r.metrics.fewshot_miou_1shot!, flops: r.metrics.flops! })),
    'transfer search': transfer.map((c) => ({ key: c.key, oneShot: c.metrics.fewshot_miou_1shot!, flops: c.metrics.flops! })),
  };
  const all = Object.values(points).flat();
  const reference = [0, 1.1 * Math.max(...all.map((p) => p.flops))];
  const lines = ['| set | architectures | its front on (1-shot mIoU, MACs): 1-shot / MMACs | HV on (1-shot mIoU, MACs) | best 1-shot mIoU |', '|---|---|---|---|---|'];
  const fronts: Record<string, Set<string>> = {};
  for (const [name, ps] of Object.entries(points)) {
    const front = paretoFront(ps.map((p) => [p.oneShot, p.flops]), ['max', 'min']).map((i) => ps[i]).sort((a, b) => a.flops - b.flops);
    fronts[name] = new Set(front.map((p) => p.key));
    const hv = hypervolume(ps.map((p) => [p.oneShot, p.flops]), reference, ['max', 'min']);
    lines.push(`| ${name} | ${ps.length} | ${front.map((p) => `${f3(p.oneShot)} / ${(p.flops / 1e6).toFixed(1)}`).join('; ')} | ${(hv / 1e6).toFixed(3)} | ${f3(Math.max(...ps.map((p) => p.oneShot)))} |`);
  }
  const transferFront = paretoFront(transfer.map((c) => [c.metrics.fewshot_miou_1shot!, c.metrics.flops!]), ['max', 'min']).map((i) => transfer[i].key);
  const plainKeys = new Set(plainFront().map((c) => c.key));
  // Only those re-scored so far: the report is written between the searches and the re-scoring too.
  const shared = transfer.filter((c) => plainKeys.has(c.key)).flatMap((c) => {
    const again = rescored.find((r) => r.key === c.key);
    return again ? [`${f3(c.metrics.fewshot_miou_1shot)} vs ${f3(again.metrics.fewshot_miou_1shot)}`] : [];
  });
  lines.push('', `Architectures on both searches' own fronts: ${transferFront.filter((k) => plainKeys.has(k)).length} (plain front ${plainKeys.size}, transfer front ${transferFront.length}). HV in mIoU x MMACs, reference (0, ${(reference[1] / 1e6).toFixed(1)} MMACs).`,
    '', `The transfer search trains each candidate with its own seed, the re-scoring with seed 0: an architecture of the plain front that the transfer search also evaluated has two 1-shot figures, their difference the seed's share of a figure at this budget (search vs re-scored: ${shared.join('; ') || 'none'}).`);
  return lines;
}

function writeReport(rows: Row[]): void {
  const lines = [
    '# Few-shot segmentation: reference architectures and searching for transfer', '',
    `Made by \`${command}\` (resumable: rerun to finish or extend). Budget per training: ${budget.epochs} epochs on ${budget.trainImages} scenes-objects training scenes, base classes only (fold 0: novel T-shirt/top, Coat, Bag, digit 2, digit 6 ignored); batch ${budget.batchSize}, Adam ${budget.learningRate}; the references with training seeds 0..${Number(args.seeds) - 1}, the re-scored front with seed 0. Scored on ${args.episodes} fixed 1-way episodes (episode seed 0) drawn from ${budget.valImages} validation scenes; 1-shot uses the first support of each 5-shot episode, on the same query. Train seconds are from a shared, loaded machine.`, '',
    '## Reference architectures', '', ...archTable(rows), '',
    `## Search: plain (miou, flops) vs transfer (fewshot_miou_1shot, flops), NSGA-II, seed 0, budget ${args.budget}, population ${args.population}, prototype head`, '', ...searchTable(rows), '',
  ];
  writeFileSync(`${out}.md`, lines.join('\n'));
}

mkdirSync(dirname(out), { recursive: true });
mkdirSync('.cache', { recursive: true });
const rows = readRows();
const backend = (await initBackend()).name;

if (args.part !== 'search') {
  for (const name of args.names!.split(',')) {
    const arch = REFERENCE_ARCHITECTURES.find((a) => a.name === name && a.space === 'seg-blocks');
    if (!arch) throw new Error(`--names: unknown seg-blocks reference '${name}'`);
    for (let seed = 0; seed < Number(args.seeds); seed++) {
      for (const head of heads) {
        await evaluate(rows, name, name, arch.genotype, head, backend, seed);
        writeReport(rows);
      }
    }
  }
}

if (args.part !== 'archs') {
  for (const s of SEARCHES) {
    finishSearch(searchDb, `fewshot-${s.name}`, ['--space', 'seg-blocks', '--dataset', FEWSHOT_DATASET, '--strategy', 'moo', ...s.flags,
      '--budget', args.budget!, '--population', args.population!, '--epochs', String(budget.epochs), '--train-images', String(budget.trainImages),
      '--val-images', String(budget.valImages), '--latency-runtime', 'none', '--zc', 'none', '--workers', '1', '--seed', '0']);
    writeReport(rows);
  }
  for (const c of plainFront()) {
    await evaluate(rows, 'plain-front', c.key, c.genotype, 'prototype', backend);
    writeReport(rows);
  }
}
writeReport(rows);
console.log(readFileSync(`${out}.md`, 'utf8'));
