/**
 * `node --import tsx bench/zero-cost.ts [--nb201 100] [--table FILE] [--seed 0] [--out bench/data/zero-cost.md]`:
 * how well each zero-cost proxy, and a vote of them, orders architectures like measured accuracy
 * (Spearman's rho), and what it costs (seconds per 1,000 architectures on one core).
 *
 * (a) The synthetic NAS-Bench-201-layout table (test/synthetic-nb201.ts): accuracies from
 *     a formula, NOT measurements; `--nb201 N` distinct cells drawn by seed, their networks built at
 *     Fashion-MNIST's 28x28x1 so that data-dependent proxies read real images.
 * (b) A reference table of the table evaluator's format with a `genotype` column (the fidelity
 *     command's darts-fmnist-small tables under bench/tables/), every row committed when it runs.
 * Every proxy scores the same network, initialised from seed 0, on one seeded minibatch of 64
 * Fashion-MNIST training images. An undefined score ranks below every defined one.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
import { classificationBatch, CLASSIFICATION_BATCH, type OwnedBatch } from '../search/evaluate/zero-cost/batch.ts';
import { rankCorrelation, ranks } from '../search/util/rank.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: {
  nb201: { type: 'string', default: '100' },
  table: { type: 'string', default: 'bench/tables/darts-fmnist-small.jsonl' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string' },
} });
const seed = Number(values.seed);

/** The zero-cost proxies the vote averages; params and flops stay the baselines they are compared with. */
const VOTERS = ['synflow', 'naswot', 'snip', 'grad_norm', 'fisher'];

interface Scored { accuracy: number[]; scores: Record<string, ProxyScore[]>; seconds: Record<string, number>; buildSeconds: number }

function scoreAll(space: LoadedSpace, rows: { genotype: Genotype; accuracy: number }[], batch: OwnedBatch, label: string): Scored {
  const out: Scored = { accuracy: [], scores: Object.fromEntries(PROXIES.map((p) => [p.name, []])), seconds: Object.fromEntries(PROXIES.map((p) => [p.name, 0])), buildSeconds: 0 };
  const [, h, w, c] = batch.x.shape;
  rows.forEach((row, i) => {
    let t = performance.now();
    const net = buildNetwork(space, row.genotype, { inShape: [h, w, c], classes: 10, rng: createRng(seed) });
    out.buildSeconds += (performance.now() - t) / 1000;
    try {
      for (const p of PROXIES) {
        t = performance.now();
        out.scores[p.name].push(scoreNetwork(net, [p], batch)[p.name]);
        out.seconds[p.name] += (performance.now() - t) / 1000;
      }
    } finally {
      net.dispose();
    }
    out.accuracy.push(row.accuracy);
    if ((i + 1) % 10 === 0) process.stderr.write(`${label}: ${i + 1}/${rows.length}\n`);
  });
  return out;
}

/** Scores as numbers to rank, undefined ones below every defined one. */
const rankable = (s: readonly ProxyScore[]): number[] => s.map((x) => ('value' in x ? x.value : -Infinity));

function correlations(s: Scored): Record<string, { rho: number; undefinedCount: number }> {
  const out: Record<string, { rho: number; undefinedCount: number }> = {};
  for (const p of PROXIES) out[p.name] = { rho: rankCorrelation(rankable(s.scores[p.name]), s.accuracy), undefinedCount: s.scores[p.name].filter((x) => !('value' in x)).length };
  const voterRanks = VOTERS.map((n) => ranks(rankable(s.scores[n])));
  const vote = s.accuracy.map((_, i) => voterRanks.reduce((t, r) => t + r[i], 0) / VOTERS.length);
  out.vote = { rho: rankCorrelation(vote, s.accuracy), undefinedCount: 0 };
  return out;
}

function sampleNb201(space: LoadedSpace, n: number): { genotype: Genotype; accuracy: number; arch: string }[] {
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

function referenceRows(path: string): { genotype: Genotype; accuracy: number }[] {
  if (!existsSync(path)) return [];
  const { records } = parseRecords(path, readFileSync(path, 'utf8'));
  return records.map(({ line, fields }) => {
    const raw = fields.genotype;
    const genotype = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Genotype;
    const accuracy = Number(fields.accuracy);
    if (!genotype || !Number.isFinite(accuracy)) throw new Error(`${path}: line ${line} lacks a genotype or a numeric accuracy`);
    return { genotype, accuracy };
  });
}

const backend = await initBackend();
const data = loadDataset('fashion-mnist', { subset: { train: CLASSIFICATION_BATCH, val: 0, test: 0 } });
const batch = classificationBatch(data, seed);
const tensorsBefore = tf.memory().numTensors;

const sections: { title: string; rows: number; scored?: Scored }[] = [];
const nb201 = loadSpace(resolveSpacePath('nb201'));
const synthetic = sampleNb201(nb201, Number(values.nb201));
sections.push({ title: `(a) SYNTHETIC NB-201-layout table (formula, not measurements), ${synthetic.length} of 15,625 cells`, rows: synthetic.length, scored: synthetic.length > 1 ? scoreAll(nb201, synthetic, batch, 'nb201') : undefined });
const reference = referenceRows(values.table!);
const darts = loadSpace(resolveSpacePath('darts-fmnist-small'));
sections.push({ title: `(b) reference table ${values.table} (darts-fmnist-small, measured), ${reference.length} rows`, rows: reference.length, scored: reference.length > 1 ? scoreAll(darts, reference, batch, 'reference') : undefined });
batch.dispose();
if (tf.memory().numTensors !== tensorsBefore - 2) console.warn(`tensors: ${tf.memory().numTensors - tensorsBefore + 2} left`);

const command = `node --import tsx bench/zero-cost.ts ${process.argv.slice(2).join(' ')}`.trim();
const lines: string[] = [
  `# Zero-cost proxies: Spearman's rho against accuracy, and seconds per 1,000 architectures`,
  '',
  `Made by \`${command}\` on ${backend.name} (${backend.threads || 1} thread), ${new Date().toISOString().slice(0, 10)}.`,
  `One minibatch of ${CLASSIFICATION_BATCH} Fashion-MNIST training images (seed ${seed}); networks initialised from seed ${seed}; an undefined score ranks last.`,
  `vote = mean rank of ${VOTERS.join(', ')}. Seconds are measured over the rows scored and scaled to 1,000, on one core of a shared machine: compare them with each other, not across runs.`,
  '',
];
for (const s of sections) {
  lines.push(`## ${s.title}`, '');
  if (!s.scored) {
    lines.push(`Not ranked: ${s.rows} rows.`, '');
    continue;
  }
  const corr = correlations(s.scored);
  const per1000 = (sec: number) => ((sec / s.rows) * 1000).toFixed(0);
  lines.push('| proxy | Spearman rho | undefined | s / 1,000 archs |', '|---|---|---|---|');
  for (const [name, c] of Object.entries(corr)) {
    const sec = name === 'vote' ? VOTERS.reduce((t, n) => t + s.scored!.seconds[n], 0) : s.scored.seconds[name];
    lines.push(`| ${name} | ${c.rho.toFixed(3)} | ${c.undefinedCount} | ${per1000(sec)} |`);
  }
  lines.push(`| (building the networks) | | | ${per1000(s.scored.buildSeconds)} |`, '');
}
const text = lines.join('\n');
console.log(text);
if (values.out) writeFileSync(values.out, text + '\n');
