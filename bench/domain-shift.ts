/**
 * `node --import tsx bench/domain-shift.ts [--part methods|search|all] [--seeds N] [--epochs E]
 *   [--train N] [--val N] [--names a,b,c] [--budget N] [--population P] [--out bench/data/domain-shift]`
 *
 * Domain shift on `scenes-domain` (search/data/segmentation/domains.ts), two questions:
 * - methods: three reference architectures of different families (search/space/references.ts)
 *   trained from scratch as the proxy evaluator trains them, source only vs adversarial alignment
 *   vs self-training, per seed: source mIoU, target mIoU, the gap.
 * - search: two NSGA-II searches of seg-blocks with the same seed and budget on the same data,
 *   one over (miou, flops), the plain segmentation search, one over (target_miou, flops), the
 *   transfer search. Every candidate of both is scored on both domains, so the plain search's
 *   front is re-scored on target mIoU by what it already measured; the table compares the two
 *   fronts on (target_miou, flops) by hypervolume and by the architectures they hold. MACs, not
 *   latency, are the cost: latency on this shared machine would be noise.
 *
 * Resumable: each finished (architecture, method, seed, budget) is a line of <out>.jsonl; the
 * searches live in .cache/<name>-search.db (not committed) and a rerun resumes an unfinished one. <out>.md
 * is rewritten from both after every step.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import type { ProxyBudget } from '../search/contracts/budget.ts';
import type { MetricValues } from '../search/contracts/metrics.ts';
import { ADAPT_DEFAULTS, type Adapt } from '../search/evaluate/domain-shift.ts';
import { evaluateJob } from '../search/evaluate/proxy.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import { SEG_DEFAULTS } from '../search/run/drivers/ask-tell.ts';
import { readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { REFERENCE_ARCHITECTURES } from '../search/space/references.ts';
import { openStore } from '../search/store/store.ts';
import { finishSearch } from './named-search.ts';
import { f3, readJsonLines } from './rows-file.ts';

const { values: args } = parseArgs({ options: {
  part: { type: 'string', default: 'all' }, seeds: { type: 'string', default: '2' },
  epochs: { type: 'string', default: '2' }, train: { type: 'string', default: '256' }, val: { type: 'string', default: '64' },
  names: { type: 'string', default: 'bisenet-like,segmenter-like,hardnet-like' },
  budget: { type: 'string', default: '10' }, population: { type: 'string', default: '5' },
  out: { type: 'string', default: 'bench/data/domain-shift' },
} });
if (!['methods', 'search', 'all'].includes(args.part!)) throw new Error(`--part: expected methods, search or all, got '${args.part}'`);
const out = args.out!;
const command = `node --import tsx bench/domain-shift.ts ${process.argv.slice(2).join(' ')}`.trim();
const budget: ProxyBudget = {
  epochs: Number(args.epochs), trainImages: Number(args.train), valImages: Number(args.val), batchSize: SEG_DEFAULTS.batchSize, learningRate: SEG_DEFAULTS.learningRate,
};
const budgetKey = `${budget.epochs}x${budget.trainImages}/${budget.valImages}`;
const METHODS: Adapt[] = [
  { method: 'source' },
  { method: 'adversarial', weight: ADAPT_DEFAULTS.weight },
  { method: 'self-training', threshold: ADAPT_DEFAULTS.threshold, rounds: ADAPT_DEFAULTS.rounds, roundEpochs: ADAPT_DEFAULTS.roundEpochs },
];

interface Row { name: string; method: string; adapt: Adapt; seed: number; budget: string; metrics: MetricValues; note: unknown; backend: string }

const rowKey = (r: Pick<Row, 'name' | 'method' | 'seed' | 'budget'>) => `${r.name}|${r.method}|${r.seed}|${r.budget}`;

const readRows = (): Row[] => readJsonLines<Row>(`${out}.jsonl`);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What the adaptation did, per seed: the discriminator's loss in the last epoch (ln 2 = 0.693: it cannot tell the domains apart), or the share of target pixels pseudo-labelled. */
function adaptation(rs: Row[]): string {
  const note = (r: Row) => r.note as { domainLoss?: number[]; rounds?: { keptFraction: number }[] };
  if (rs[0].method === 'adversarial') return `disc. loss ${rs.map((r) => f3(note(r).domainLoss?.at(-1))).join(', ')}`;
  if (rs[0].method === 'self-training') return `kept ${rs.map((r) => `${((note(r).rounds?.at(-1)?.keptFraction ?? NaN) * 100).toFixed(1)} %`).join(', ')}`;
  return '';
}

function methodsTable(rows: Row[]): string[] {
  if (!rows.length) return ['(not run yet)'];
  const names = [...new Set(rows.map((r) => r.name))];
  const lines = ['| architecture | method | seeds | source mIoU | target mIoU (per seed) | target mIoU mean | gap mean | adaptation | train s |', '|---|---|---|---|---|---|---|---|---|'];
  for (const name of names) {
    for (const m of METHODS) {
      const rs = rows.filter((r) => r.name === name && r.method === m.method && r.budget === budgetKey);
      if (!rs.length) continue;
      const get = (k: keyof MetricValues) => rs.map((r) => r.metrics[k] as number);
      lines.push(`| ${name} | ${m.method} | ${rs.length} | ${f3(mean(get('miou')))} | ${get('target_miou').map(f3).join(', ')} | ${f3(mean(get('target_miou')))} | ${f3(mean(get('domain_gap')))} | ${adaptation(rs)} | ${mean(get('train_seconds')).toFixed(0)} |`);
    }
  }
  return lines;
}

const SEARCHES = [
  { name: 'plain', objectives: 'miou,flops' },
  { name: 'transfer', objectives: 'target_miou,flops' },
] as const;
/** Kept out of git with the other caches: the table in <out>.md is what is committed. */
const searchDb = join('.cache', `${basename(out)}-search.db`);

interface Point { key: string; miou: number; target: number; flops: number }

function searchPoints(): Record<string, Point[]> | null {
  if (!existsSync(searchDb)) return null;
  const store = openStore(searchDb, { readonly: true });
  try {
    const runs = store.listRuns();
    return Object.fromEntries(SEARCHES.map((s) => {
      const run = runs.find((r) => r.name === `domain-${s.name}`);
      const done = run ? store.listCandidates(run.id, { status: 'done' }) : [];
      return [s.name, done.map((c) => ({ key: c.key, miou: c.metrics.miou!, target: c.metrics.target_miou!, flops: c.metrics.flops! }))];
    }));
  } finally {
    store.close();
  }
}

function searchTable(): string[] {
  const points = searchPoints();
  if (!points) return ['(not run yet)'];
  const all = Object.values(points).flat();
  if (!all.length) return ['(no candidate finished yet)'];
  // One reference for both: no mIoU, and 10 % more MACs than the largest candidate of either search.
  const reference = [0, 1.1 * Math.max(...all.map((p) => p.flops))];
  const lines = ['| search | candidates | front on its own objectives | its front re-scored: target mIoU / MMACs | HV of all its candidates on (target mIoU, MACs) | best target mIoU | best source mIoU |', '|---|---|---|---|---|---|---|'];
  const fronts: Record<string, Set<string>> = {};
  for (const s of SEARCHES) {
    const ps = points[s.name];
    const own = (p: Point) => (s.name === 'plain' ? p.miou : p.target);
    const front = paretoFront(ps.map((p) => [own(p), p.flops]), ['max', 'min']).map((i) => ps[i]).sort((a, b) => a.flops - b.flops);
    fronts[s.name] = new Set(front.map((p) => p.key));
    const hv = hypervolume(ps.map((p) => [p.target, p.flops]), reference, ['max', 'min']);
    lines.push(`| ${s.name} (${s.objectives}) | ${ps.length} | ${front.length} | ${front.map((p) => `${f3(p.target)} / ${(p.flops / 1e6).toFixed(1)}`).join('; ')} | ${(hv / 1e6).toFixed(3)} | ${f3(Math.max(...ps.map((p) => p.target)))} | ${f3(Math.max(...ps.map((p) => p.miou)))} |`);
  }
  const shared = [...(fronts.plain ?? [])].filter((k) => fronts.transfer?.has(k)).length;
  lines.push('', `Architectures on both fronts: ${shared} (plain front ${fronts.plain?.size ?? 0}, transfer front ${fronts.transfer?.size ?? 0}). HV in mIoU x MMACs, reference (0, ${(reference[1] / 1e6).toFixed(1)} MMACs).`);
  return lines;
}

function writeReport(rows: Row[]): void {
  const lines = [
    '# Domain shift: adaptation methods and searching for transfer', '',
    `Made by \`${command}\` (resumable: rerun to finish or extend). Budget per training: ${budget.epochs} epochs on ${budget.trainImages} source scenes (and as many unlabelled target scenes), scored on ${budget.valImages} validation scenes of each domain; batch ${budget.batchSize}, Adam ${budget.learningRate}. Adversarial weight ${ADAPT_DEFAULTS.weight}; self-training threshold ${ADAPT_DEFAULTS.threshold}, ${ADAPT_DEFAULTS.rounds} round of ${ADAPT_DEFAULTS.roundEpochs} epoch (so it trains one epoch more than the others). Train seconds are from a shared, loaded machine.`, '',
    '## Methods (reference architectures)', '', ...methodsTable(rows), '',
    `## Search: plain (miou, flops) vs transfer (target_miou, flops), NSGA-II, seed 0, budget ${args.budget}, population ${args.population}`, '', ...searchTable(), '',
  ];
  writeFileSync(`${out}.md`, lines.join('\n'));
}

mkdirSync(dirname(out), { recursive: true });
mkdirSync('.cache', { recursive: true });
const rows = readRows();

if (args.part !== 'search') {
  const backend = await initBackend();
  const spaceDef = readJsonFile(resolveSpacePath('seg-blocks'));
  const done = new Set(rows.map(rowKey));
  for (const name of args.names!.split(',')) {
    const arch = REFERENCE_ARCHITECTURES.find((a) => a.name === name && a.space === 'seg-blocks');
    if (!arch) throw new Error(`--names: unknown seg-blocks reference '${name}'`);
    for (let seed = 0; seed < Number(args.seeds); seed++) {
      for (const adapt of METHODS) {
        const key = { name, method: adapt.method, seed, budget: budgetKey };
        if (done.has(rowKey(key))) continue;
        const r = await evaluateJob({
          runId: 0, candidateId: 0, key: name, spaceDef, genotype: arch.genotype, task: 'segmentation', dataset: 'scenes-domain', budget,
          latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed,
        }, {}, [], adapt);
        const { target: _preview, ...note } = r.extra!.domain as Record<string, unknown>;
        const row: Row = { ...key, adapt, metrics: r.metrics, note, backend: backend.name };
        appendFileSync(`${out}.jsonl`, `${JSON.stringify(row)}\n`);
        rows.push(row);
        console.log(`${name} ${adapt.method} seed ${seed}: source ${f3(r.metrics.miou)} target ${f3(r.metrics.target_miou)} (${r.metrics.train_seconds!.toFixed(0)} s)`);
        writeReport(rows);
      }
    }
  }
}

if (args.part !== 'methods') {
  for (const s of SEARCHES) {
    finishSearch(searchDb, `domain-${s.name}`, ['--space', 'seg-blocks', '--dataset', 'scenes-domain', '--strategy', 'moo', '--objectives', s.objectives,
      '--budget', args.budget!, '--population', args.population!, '--epochs', String(budget.epochs), '--train-images', String(budget.trainImages),
      '--val-images', String(budget.valImages), '--latency-runtime', 'none', '--zc', 'none', '--workers', '1', '--seed', '0']);
    writeReport(rows);
  }
}
writeReport(rows);
console.log(readFileSync(`${out}.md`, 'utf8'));
