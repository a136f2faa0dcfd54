/**
 * The learned predictor (BANANAS's MLP ensemble, search/strategies/predictor) as a judge of real
 * architectures: how well it ranks a reference table's architectures it was not fitted on.
 *
 * - Cross-validated: the rows are cut into K folds; each fold is predicted by an ensemble fitted
 *   on the others; the out-of-fold predictions are ranked against the table (Spearman, Kendall,
 *   top-10 %), over R random cuts.
 * - Learning curve: fitted on N random rows, ranked on the rest, for each N, over R draws.
 * Features: the genotype encoding the BANANAS strategy uses, alone and with log #params (the
 * zero-cost baseline a predictor must beat). No training: seconds of CPU.
 *
 *   node --import tsx bench/predictor-fidelity.ts --table bench/tables/darts-fmnist-small-x2.jsonl \
 *     --seed-tables bench/tables/darts-fmnist-small-x2-seed1.jsonl [--folds 5] [--repeats 10] [--sizes 10,20,30] [--seed 0]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readRows } from '../search/reference/rows.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';
import { kendallTau, spearman, topPrecision } from '../search/reference/agreement.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { readSpace } from '../search/run/record.ts';
import { encoderFor } from '../search/strategies/predictor/encode.ts';
import { fitEnsemble } from '../search/strategies/predictor/ensemble.ts';
import { createRng, type Rng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: {
  table: { type: 'string' }, 'seed-tables': { type: 'string', default: '' },
  folds: { type: 'string', default: '5' }, repeats: { type: 'string', default: '10' },
  sizes: { type: 'string', default: '10,20,30' }, seed: { type: 'string', default: '0' },
} });
if (!values.table) {
  console.error('usage: bench/predictor-fidelity.ts --table TABLE.jsonl [--seed-tables A,B] [--folds K] [--repeats R] [--sizes N,N] [--seed S]');
  process.exit(2);
}
const count = (flag: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) { console.error(`--${flag}: expected an integer >= ${min}, got ${v}`); process.exit(2); }
  return n;
};
const folds = count('folds', values.folds!, 2), repeats = count('repeats', values.repeats!, 1), seed = count('seed', values.seed!, 0);
const sizes = values.sizes!.split(',').filter(Boolean).map((s) => count('sizes', s, 3));

const rows = readRows(resolve(values.table), '--table');
const others = values['seed-tables']!.split(',').filter(Boolean).map((p) => ({ path: p, rows: readRows(resolve(p), '--seed-tables') }));
const reference = seedMeanReference({ path: values.table, rows }, others);
const { space } = readSpace(resolveSpacePath(rows[0].space));
const encode = encoderFor(space);
const used = rows.filter((r) => reference.has(r.arch));
const params = used.map((r) => {
  if (r.params === null) { console.error(`${values.table}: row ${r.arch.slice(0, 40)} has no params`); process.exit(2); }
  return r.params;
});
const y = used.map((r) => reference.get(r.arch)!);
const features: Record<string, number[][]> = {
  encoding: used.map((r) => encode(space.validate(r.genotype, `${values.table} ${r.arch.slice(0, 40)}`))),
};
features['encoding + log #params'] = used.map((_, i) => [...features.encoding[i], Math.log(params[i])]);

interface Agreement { spearman: number; kendall: number; top10: number }
const agreement = (truth: number[], predicted: number[]): Agreement =>
  ({ spearman: spearman(truth, predicted), kendall: kendallTau(truth, predicted), top10: topPrecision(truth, predicted) });

const shuffled = (n: number, rng: Rng): number[] => {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rng.next() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  return order;
};
const predict = (x: number[][], train: number[], test: number[], rng: Rng): number[] => {
  const f = fitEnsemble(train.map((i) => x[i]), train.map((i) => y[i]), rng);
  return test.map((i) => f(x[i]).mean);
};

function crossValidated(x: number[][], rng: Rng): Agreement {
  const order = shuffled(y.length, rng);
  const predicted = new Array<number>(y.length);
  for (let k = 0; k < folds; k++) {
    const test = order.filter((_, j) => j % folds === k), train = order.filter((_, j) => j % folds !== k);
    predict(x, train, test, rng).forEach((p, j) => { predicted[test[j]] = p; });
  }
  return agreement(y, predicted);
}

function heldOut(x: number[][], n: number, rng: Rng): Agreement {
  const order = shuffled(y.length, rng);
  const train = order.slice(0, n), test = order.slice(n);
  return agreement(test.map((i) => y[i]), predict(x, train, test, rng));
}

const summary = (runs: Agreement[]): string => (['spearman', 'kendall', 'top10'] as const).map((m) => {
  const v = runs.map((r) => r[m]), mu = v.reduce((s, a) => s + a, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, a) => s + (a - mu) ** 2, 0) / Math.max(1, v.length - 1));
  return `${mu.toFixed(3)} ± ${sd.toFixed(3)}`;
}).join(' | ');

const seeds = others.length ? `, mean of ${others.length + 1} seeds` : '';
console.log(`# predictor fidelity: ${values.table} (${y.length} architectures${seeds}), ensemble of 5 MLPs, ${repeats} repeats, seed ${seed}\n`);
console.log('| features | fitted on | ranked | Spearman | Kendall | top-10 % |');
console.log('| --- | --- | --- | --- | --- | --- |');
const byParams = agreement(y, params);
console.log(`| #params alone (no fit) | - | ${y.length} | ${byParams.spearman.toFixed(3)} | ${byParams.kendall.toFixed(3)} | ${byParams.top10.toFixed(3)} |`);
for (const [name, x] of Object.entries(features)) {
  const rng = createRng(seed);
  const cv = Array.from({ length: repeats }, () => crossValidated(x, rng));
  console.log(`| ${name} | ${folds}-fold (${Math.round((y.length * (folds - 1)) / folds)}) | ${y.length} out of fold | ${summary(cv)} |`);
  for (const n of sizes.filter((s) => s < y.length - 2)) {
    const runs = Array.from({ length: repeats }, () => heldOut(x, n, rng));
    console.log(`| ${name} | ${n} random | the other ${y.length - n} | ${summary(runs)} |`);
  }
}
