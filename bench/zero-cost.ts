/**
 * `node --import tsx bench/zero-cost.ts [--nb201 50] [--table FILE] [--also FILE ...] [--seed 0] [--out bench/data/zero-cost.md] [--report-only]`:
 * how well each zero-cost proxy, the #params and FLOPs baselines, and votes of proxies order
 * architectures like measured accuracy (Spearman's rho, Kendall's tau-b, top-10 % precision), and
 * what each costs (seconds per 1,000 architectures on one core).
 *
 * (a) A reference table of the table evaluator's format with a `genotype` column (`--table`,
 *     darts-fmnist-small's 2-epoch table by default), and the same architectures' rows of other
 *     tables (`--also`, default the 4-epoch table), each ranked on the rows it has.
 * (b) The synthetic NAS-Bench-201-layout table (test/synthetic-nb201.ts): accuracies from a
 *     formula, NOT measurements; `--nb201 N` distinct cells drawn by seed, their networks built at
 *     Fashion-MNIST's 28x28x1 so that data-dependent proxies read real images.
 * Every proxy scores the same network, initialised from `--seed`, on one seeded minibatch of 64
 * Fashion-MNIST training images. An undefined score ranks below every defined one.
 *
 * Resumable: each architecture's scores and seconds go to OUT.scores.jsonl as they are computed,
 * and the same command scores only what that file lacks (a table that grew costs its new rows
 * only); `--report-only` writes OUT from it, computing nothing.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import { loadSpace, resolveSpacePath, type LoadedSpace } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import type { Genotype } from '../search/space/types.ts';
import { allTabularCells, syntheticRow } from '../test/synthetic-nb201.ts';
import { parseRecords } from '../search/evaluate/table-records.ts';
import { PROXIES, type ProxyScore } from '../search/evaluate/zero-cost/index.ts';
import { scoreNetwork } from '../search/evaluate/zero-cost/score.ts';
import { classificationBatch, CLASSIFICATION_BATCH } from '../search/evaluate/zero-cost/batch.ts';
import { kendallTau, spearman, topPrecision } from '../search/reference/agreement.ts';
import { ranks } from '../search/util/rank.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: {
  nb201: { type: 'string', default: '50' },
  table: { type: 'string', default: 'bench/tables/darts-fmnist-small.jsonl' },
  also: { type: 'string', multiple: true, default: ['bench/tables/darts-fmnist-small-x2.jsonl'] },
  seed: { type: 'string', default: '0' },
  out: { type: 'string', default: 'bench/data/zero-cost.md' },
  'report-only': { type: 'boolean', default: false },
} });
const seed = Number(values.seed);
const cachePath = values.out!.replace(/\.md$/, '') + '.scores.jsonl';

/** Votes: the mean rank under each of their proxies. `vote` takes every zero-cost proxy; `vote3` is Abdelfattah et al.'s (synflow, jacob_cov, snip). */
const VOTES: Record<string, string[]> = {
  vote: PROXIES.map((p) => p.name).filter((n) => n !== 'params' && n !== 'flops'),
  vote3: ['synflow', 'jacob_cov', 'snip'],
};

type Section = 'reference' | 'nb201';
interface Scored { section: Section; seed: number; arch: string; scores: Record<string, ProxyScore>; seconds: Record<string, number>; buildSeconds: number }
interface Row { arch: string; genotype: Genotype }

const cache: Scored[] = existsSync(cachePath) ? readFileSync(cachePath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Scored) : [];
const scoredOf = (section: Section) => new Map(cache.filter((s) => s.section === section && s.seed === seed).map((s) => [s.arch, s]));

function scoreMissing(section: Section, space: LoadedSpace, rows: readonly Row[], batch: ReturnType<typeof classificationBatch>): void {
  const have = scoredOf(section);
  const todo = rows.filter((r) => !have.has(r.arch));
  const [, h, w, c] = batch.x.shape;
  todo.forEach((row, i) => {
    let t = performance.now();
    const net = buildNetwork(space, row.genotype, { inShape: [h, w, c], classes: 10, rng: createRng(seed) });
    const s: Scored = { section, seed, arch: row.arch, scores: {}, seconds: {}, buildSeconds: (performance.now() - t) / 1000 };
    try {
      for (const p of PROXIES) {
        t = performance.now();
        s.scores[p.name] = scoreNetwork(net, [p], batch)[p.name];
        s.seconds[p.name] = (performance.now() - t) / 1000;
      }
    } finally {
      net.dispose();
    }
    cache.push(s);
    appendFileSync(cachePath, JSON.stringify(s) + '\n');
    process.stderr.write(`${section}: ${i + 1}/${todo.length} scored\n`);
  });
}

function nb201Rows(space: LoadedSpace, n: number): (Row & { accuracy: number })[] {
  if (space.family !== 'tabular-cell') throw new Error('nb201 is not a tabular-cell space');
  const cells = allTabularCells(space.def.cell.ops, space.def.cell.nodes);
  const rng = createRng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(n, cells.length)) picked.add(Math.floor(rng.next() * cells.length));
  return [...picked].map((i) => {
    const arch = formatNb201(cells[i]);
    return { genotype: cells[i], arch, accuracy: syntheticRow(cells[i], arch).accuracy };
  });
}

function tableRows(path: string): (Row & { accuracy: number })[] {
  if (!existsSync(path)) return [];
  const { records } = parseRecords(path, readFileSync(path, 'utf8'));
  return records.map(({ line, fields }) => {
    const raw = fields.genotype;
    const genotype = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Genotype;
    const accuracy = Number(fields.accuracy);
    if (!genotype || typeof fields.arch !== 'string' || !Number.isFinite(accuracy)) throw new Error(`${path}: line ${line} lacks an arch, a genotype or a numeric accuracy`);
    return { arch: fields.arch, genotype, accuracy };
  });
}

const nb201 = loadSpace(resolveSpacePath('nb201'));
const synthetic = nb201Rows(nb201, Number(values.nb201));
const reference = tableRows(values.table!);
const others = values.also!.map((path) => ({ path, rows: tableRows(path) }));
const unknown = others.flatMap(({ path, rows }) => rows.filter((r) => !reference.some((q) => q.arch === r.arch)).map(() => path));
if (unknown.length) throw new Error(`${unknown[0]}: has architectures that ${values.table} lacks; --also takes tables of the same architectures`);

let backendLine = 'scores from earlier sittings only';
if (!values['report-only']) {
  const backend = await initBackend();
  backendLine = `${backend.name} (${backend.threads || 1} thread)`;
  const data = loadDataset('fashion-mnist', { subset: { train: CLASSIFICATION_BATCH, val: 0, test: 0 } });
  const batch = classificationBatch(data, seed);
  const tensorsBefore = tf.memory().numTensors;
  scoreMissing('reference', loadSpace(resolveSpacePath('darts-fmnist-small')), reference, batch);
  scoreMissing('nb201', nb201, synthetic, batch);
  batch.dispose();
  if (tf.memory().numTensors !== tensorsBefore - 2) console.warn(`tensors: ${tf.memory().numTensors - tensorsBefore + 2} left`);
}

/** Scores as numbers to rank, undefined ones below every defined one. */
const rankable = (s: readonly ProxyScore[]): number[] => s.map((x) => ('value' in x ? x.value : -Infinity));

/** Each proxy's and vote's ranking value for the scored rows, in their order. */
function rankings(scored: readonly Scored[]): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(PROXIES.map((p) => [p.name, rankable(scored.map((s) => s.scores[p.name]))]));
  for (const [vote, names] of Object.entries(VOTES)) {
    const r = names.map((n) => ranks(out[n]));
    out[vote] = scored.map((_, i) => r.reduce((t, x) => t + x[i], 0) / names.length);
  }
  return out;
}

const fmt = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(3));

/** One markdown table: a column group (rho / tau / top-10 %) per accuracy source, then undefined counts and cost. */
function report(section: Section, sources: { label: string; rows: readonly (Row & { accuracy: number })[] }[]): string[] {
  const have = scoredOf(section);
  const all = sources[0].rows.filter((r) => have.has(r.arch)).map((r) => have.get(r.arch)!);
  if (all.length < 3) return [`Not ranked: ${all.length} architectures scored.`, ''];
  const seconds = (name: string) => (VOTES[name] ?? [name]).reduce((t, n) => t + all.reduce((u, s) => u + s.seconds[n], 0), 0);
  const per1000 = (sec: number) => ((sec / all.length) * 1000).toFixed(0);
  const perSource = sources.map(({ rows }) => {
    const scored = rows.filter((r) => have.has(r.arch));
    return { n: scored.length, accuracy: scored.map((r) => r.accuracy), by: rankings(scored.map((r) => have.get(r.arch)!)) };
  });
  const names = [...PROXIES.map((p) => p.name), ...Object.keys(VOTES)];
  const everyone = rankings(all);
  const lines = [
    `| proxy | ${sources.map((s, i) => `${s.label} (n=${perSource[i].n}): rho / tau / top-10 %`).join(' | ')} | rho with params | undefined | s / 1,000 archs |`,
    `|---|${sources.map(() => '---').join('|')}|---|---|---|`,
  ];
  for (const name of names) {
    const cells = perSource.map((p) => (p.n < 3 ? '—' : `${fmt(spearman(p.by[name], p.accuracy))} / ${fmt(kendallTau(p.by[name], p.accuracy))} / ${fmt(topPrecision(p.accuracy, p.by[name]))}`));
    const undef = VOTES[name] ? '' : String(all.filter((s) => !('value' in s.scores[name])).length);
    // How much of a proxy's ranking is the network's size (ZiCo's point), over every scored architecture.
    lines.push(`| ${name} | ${cells.join(' | ')} | ${fmt(spearman(everyone[name], everyone.params))} | ${undef} | ${per1000(seconds(name))} |`);
  }
  lines.push(`| (building the networks) | ${sources.map(() => '').join(' | ')} | | | ${per1000(all.reduce((t, s) => t + s.buildSeconds, 0))} |`, '');
  return lines;
}

const command = `node --import tsx bench/zero-cost.ts ${process.argv.slice(2).filter((a) => a !== '--report-only').join(' ')}`.trim();
const lines: string[] = [
  `# Zero-cost proxies: rank correlation with accuracy, and seconds per 1,000 architectures`,
  '',
  `Made by \`${command}\` (scores cached in \`${cachePath}\`; this report: ${backendLine}, ${new Date().toISOString().slice(0, 10)}).`,
  `One minibatch of ${CLASSIFICATION_BATCH} Fashion-MNIST training images (seed ${seed}); networks initialised from seed ${seed}; an undefined score ranks last.`,
  `${Object.entries(VOTES).map(([v, n]) => `${v} = mean rank of ${n.join(', ')}`).join('; ')}. params and flops rank larger networks higher, as the literature's baselines do.`,
  'Seconds are measured per architecture over the rows scored and scaled to 1,000, on one core of a shared machine (a vote costs the sum of its proxies): compare them with each other, not across runs.',
  '',
  `## (a) Reference table ${values.table} (darts-fmnist-small, measured), and the same architectures in ${values.also!.join(', ')}`,
  '',
  'Read against the tables\' noise ceilings (bench/tables/README.md): two training seeds of the 2-epoch table agree to Spearman ~0.25.',
  '',
  ...report('reference', [{ label: values.table!.replace(/^.*\//, ''), rows: reference }, ...others.map(({ path, rows }) => ({ label: path.replace(/^.*\//, ''), rows }))]),
  `## (b) SYNTHETIC NB-201-layout table (formula, not measurements), ${synthetic.length} of 15,625 cells`,
  '',
  ...report('nb201', [{ label: 'synthetic accuracy', rows: synthetic }]),
];
const text = lines.join('\n');
console.log(text);
writeFileSync(values.out!, text + '\n');
