import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proxyValues, readZeroCostScores } from '../search/evaluate/zero-cost/score-file.ts';
import { chancePickInterval, pickPercentiles } from '../search/reference/judge-picks.ts';
import { readRows } from '../search/reference/rows.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';
import { readSupernetFidelity, supernetName, supernetScore } from '../search/strategies/darts/fidelity-rows.ts';

// Ten architectures a..j at 0.80..0.89: by construction the i-th (from 0) sits at percentile 10 i + 5.
const keys = 'abcdefghij'.split('');
const reference = new Map(keys.map((k, i) => [k, 0.8 + i / 100]));

test('a judge\'s top-k picks are placed by the reference, whatever scale its scores are on', () => {
  const perfect = keys.map((key, i) => ({ key, score: 1000 * i }));
  assert.deepEqual(pickPercentiles(reference, perfect, [1, 3, 10]), [95, 85, 50]);
  const reversed = keys.map((key, i) => ({ key, score: -i }));
  assert.deepEqual(pickPercentiles(reference, reversed, [1, 3]), [5, 15]);
});

test('an undefined score, an architecture the reference lacks and a tie are handled as a search would', () => {
  const scored = [
    { key: 'j', score: NaN }, // the best architecture, but the judge could not score it
    { key: 'zz', score: 99 }, // not in the reference: no place to give it
    { key: 'c', score: 5 }, { key: 'h', score: 5 }, // a tie keeps the order given: c first
    { key: 'a', score: 1 },
  ];
  assert.deepEqual(pickPercentiles(reference, scored, [1, 2, 3]), [25, 50, 35]);
  assert.ok(Number.isNaN(pickPercentiles(reference, scored, [4])[0]), 'three rated architectures have no top 4');
  assert.throws(() => pickPercentiles(reference, scored, [0]), /positive integer/);
});

test('the chance interval of a top-k pick is the exact one of k architectures drawn at random, ties included', () => {
  // k = 1 on distinct values: the pick is uniform over 5, 15, ..., 95.
  assert.deepEqual(chancePickInterval(reference, 1), { lo: 5, hi: 95 });
  // All of them: always the mean percentile, 50.
  assert.deepEqual(chancePickInterval(reference, 10), { lo: 50, hi: 50 });
  // Against every subset counted by brute force, on a reference with ties.
  const tied = new Map([['a', 0.8], ['b', 0.8], ['c', 0.81], ['d', 0.83], ['e', 0.83], ['f', 0.83], ['g', 0.9]]);
  const values = [...tied.values()];
  const pct = values.map((v) => (100 * (values.filter((t) => t < v).length + values.filter((t) => t === v).length / 2)) / values.length);
  const means: number[] = [];
  for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) for (let l = j + 1; l < 7; l++) means.push((pct[i] + pct[j] + pct[l]) / 3);
  means.sort((x, y) => x - y);
  assert.ok(Math.abs(means.reduce((s, m) => s + m, 0) / means.length - 50) < 1e-9, 'a random pick averages the 50th percentile');
  const at = (q: number) => means[Math.ceil(q * means.length) - 1];
  const got = chancePickInterval(tied, 3, 0.5);
  assert.ok(Math.abs(got.lo - at(0.25)) < 1e-9 && Math.abs(got.hi - at(0.75)) < 1e-9, `${JSON.stringify(got)} vs ${at(0.25)} to ${at(0.75)}`);
  assert.ok(got.lo < 50 && got.hi > 50);
});

const fidelityRow = (over: Record<string, unknown> = {}) => ({
  db: 'x.db', run: 1, epoch: 3,
  config: { epochs: 6, warmupEpochs: 6, trainImages: 16384, partialChannels: 1, remedy: 'none', seed: 1, selection: 'pt', weightSampling: 'uniform-cell', supernetOps: 'standalone' },
  table: 't.jsonl', seedTables: [], images: 512, byAccuracy: { n: 2, spearman: 1, secondsPerCandidate: 1.5 }, byLoss: null, byBelief: null, pick: { truth: 0.88, percentile: 95 },
  rows: [{ key: 'a', acc: 0.5, loss: 1.2, belief: -3 }, { key: 'b', acc: 0.5, loss: 1.1, belief: -3 }],
  ...over,
});

test('supernet fidelity rows: named by their config, old rows by the defaults of their day, a bad field named with its line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'judges-'));
  const good = join(dir, 'good.jsonl');
  const old = fidelityRow({ epoch: undefined, config: { epochs: 4, warmupEpochs: 0, trainImages: 2048, partialChannels: 4, remedy: 'none', seed: 0, selection: 'alpha' } });
  writeFileSync(good, `${JSON.stringify(fidelityRow())}\n\n${JSON.stringify(old)}\n`);
  const [a, b] = readSupernetFidelity(good);
  assert.equal(supernetName(a), 'supernet uniform-cell, standalone ops; 6 ep x 16,384 img, K=1; seed 1, epoch 3');
  assert.equal(supernetName(b), 'supernet mixture; 4 ep x 2,048 img, K=4; seed 0, epoch 4');
  // Equal accuracies on the supernet: the lower loss ranks first.
  assert.ok(supernetScore(a.rows[1]) > supernetScore(a.rows[0]));

  const bad = join(dir, 'bad.jsonl');
  const broken = fidelityRow();
  (broken.rows as Record<string, unknown>[])[1] = { key: 'b', acc: 0.5 };
  writeFileSync(bad, `${JSON.stringify(fidelityRow())}\n${JSON.stringify(broken)}\n`);
  assert.throws(() => readSupernetFidelity(bad), (err: Error) => err.message.startsWith(`${bad}:2: field 'rows.1.loss'`));
  writeFileSync(bad, JSON.stringify(fidelityRow({ config: { ...fidelityRow().config, weightSampling: 'each-op' } })));
  assert.throws(() => readSupernetFidelity(bad), new RegExp(`${bad}:1: field 'config.weightSampling'`));
  assert.throws(() => readSupernetFidelity(join(dir, 'none.jsonl')), /--supernets .*none\.jsonl/);
});

test('a zero-cost score file: one section read, an undefined proxy is NaN, a damaged line names its file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zc-scores-'));
  const path = join(dir, 'x.scores.jsonl');
  const row = (section: string, arch: string, jacob: object) => JSON.stringify({ section, seed: 0, arch, scores: { jacob_cov: jacob }, seconds: { jacob_cov: 1 } });
  writeFileSync(path, [row('reference', 'a', { value: -68 }), row('nb201', 'b', { value: -60 }), row('reference', 'c', { undefined: 'constant row' })].join('\n') + '\n');
  const values = proxyValues(readZeroCostScores(path), 'jacob_cov');
  assert.deepEqual([...values.keys()], ['a', 'c']);
  assert.equal(values.get('a'), -68);
  assert.ok(Number.isNaN(values.get('c')));
  writeFileSync(path, row('reference', 'a', { value: -68 }) + '\n' + JSON.stringify({ section: 'reference', arch: 'b', scores: { jacob_cov: { value: 'x' } }, seconds: {} }) + '\n');
  assert.throws(() => readZeroCostScores(path), (e: Error) => e.message.startsWith(`${path}:2: field 'scores.jacob_cov`));
});

test('the evaluator board prints on a table smaller than its top-k: what cannot be computed is \'-\', said once, the rest as on a full table', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const table = 'bench/tables/darts-fmnist-small-x2.jsonl', seed1 = 'bench/tables/darts-fmnist-small-x2-seed1.jsonl';
  const scores = 'bench/data/proxy-scores/darts-fmnist-small-proxy-2x2000.jsonl';
  for (const first of [4, 2]) {
    const board = spawnSync(process.execPath, ['--import', 'tsx', 'bench/evaluator-board.ts', '--table', table, '--seed-tables', seed1, '--first', String(first), '--scores', scores], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(board.status, 0, board.stderr);
    const reference = seedMeanReference({ path: table, rows: readRows(join(root, table)).slice(0, first) }, [{ path: seed1, rows: readRows(join(root, seed1)) }]);
    assert.equal(reference.size, first);
    const beyond = [1, 3, 5].filter((k) => k > first);
    assert.equal(board.stdout.match(/ pick among \d+ architectures/g)?.length, 1, `the missing columns said once:\n${board.stdout}`);
    assert.ok(board.stdout.includes(`No ${beyond.map((k) => `top-${k}`).join(' or ')} pick among ${first} architectures`), board.stdout);
    if (first < 3) assert.match(board.stdout, /seed-to-seed Spearman not computed: 2 architectures in both seeds, 3 are needed/);
    const c1 = chancePickInterval(reference, 1);
    assert.ok(board.stdout.includes(`top-1 ${+c1.lo.toFixed(1)} to ${+c1.hi.toFixed(1)}`), board.stdout);
    // The judge's row: the columns that can be computed agree with pickPercentiles, the others are '-'.
    const row = board.stdout.split('\n').find((l) => l.startsWith('| darts-fmnist-small-proxy-2x2000.jsonl |'));
    assert.ok(row, board.stdout);
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    const picks = cells.slice(6, 9);
    const judge = readRows(join(root, scores)).map((r) => ({ key: r.arch, score: r.accuracy }));
    assert.deepEqual(picks, pickPercentiles(reference, judge, [1, 3, 5]).map((p) => (Number.isFinite(p) ? p.toFixed(0) : '-')));
    assert.deepEqual(picks.map((p) => p === '-'), [1, 3, 5].map((k) => k > first), board.stdout);
  }
});
