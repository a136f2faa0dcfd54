/** Reference tables: list runs, tables written from runs and read back, continuing a table from its file alone, and a table named but missing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { Genotype, Space } from '../search/space/types.ts';
import { createListStrategy } from '../search/strategies/list.ts';
import { sampleGenotypes } from '../search/reference/genotypes.ts';
import { loadTable } from '../search/evaluate/table.ts';
import { formatRows, mergeRows, readRows, readRowsSoFar, writeRows, type TableRow } from '../search/reference/rows.ts';
import { fidelityTableDataSchema } from '../search/contracts/fidelity.ts';
import { seedMeanReference } from '../search/reference/seed-mean.ts';
import { tempDir } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const space = loadSpace(resolveSpacePath('darts-fmnist-small')) as Space<Genotype>;
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });

test('a list strategy proposes its genotypes in order, skips repeats, and resumes from its state where it stopped', () => {
  const [a, b, c] = sampleGenotypes(space, 3, 5);
  const s = createListStrategy(space, [a, b, a, c], { seed: 0 });
  const first = s.ask(2);
  assert.deepEqual(first.map((p) => p.key), [space.key(a), space.key(b)]);
  s.tell([{ key: first[0].key, metrics: { accuracy: 0.5 } }]);
  const restored = createListStrategy(space, [a, b, a, c], { state: JSON.parse(JSON.stringify(s.state())) });
  const rest = restored.ask(5);
  assert.deepEqual(rest.map((p) => p.key), [space.key(c)], 'the repeat of a is skipped, c comes once');
  assert.throws(() => restored.tell([{ key: first[0].key, metrics: { accuracy: 0.5 } }]), /not an open proposal/);
  restored.tell([{ key: first[1].key, error: 'boom' }]);
});

function row(g: Genotype, accuracy: number): TableRow {
  return {
    arch: space.key(g), accuracy, params: 1000, flops: null, latencyMs: null, trainSeconds: 1.5, space: 'darts-fmnist-small', spaceHash: space.hash,
    dataset: 'fashion-mnist', split: 'test', budget: { epochs: 1, trainImages: 10 }, seed: 0, genotype: g, backend: 'cpu',
    date: '2026-12-01T00:00:00.000Z', run: 1, command: 'cellscape reference --out "x, y".csv',
  };
}

test('table rows round-trip through JSON Lines and CSV and are read by the table evaluator by arch', () => {
  const dir = tempDir();
  const gs = sampleGenotypes(space, 3, 9);
  const rows = gs.map((g, i) => row(g, 0.5 + i / 10));
  for (const name of ['t.jsonl', 't.csv']) {
    const path = join(dir, name);
    writeRows(path, rows);
    assert.deepEqual(readRows(path), rows);
    const table = loadTable(path, { metrics: { accuracy: 'accuracy', params: 'params' } });
    assert.equal(table.rows.get(space.key(gs[2]))?.accuracy, 0.7);
    assert.equal(table.rows.get(space.key(gs[0]))?.params, 1000);
  }
  assert.deepEqual(mergeRows(rows.slice(0, 2), [row(gs[1], 0.1), rows[2]]).map((r) => r.accuracy), [0.5, 0.6, 0.7], 'a row once written is kept');
  assert.equal(formatRows(join(dir, 'e.jsonl'), []), '');
});

test('a table file that is not there is an error naming the flag and path (the evaluator board\'s --scores among them), not an empty table; a table being written starts empty', () => {
  const dir = tempDir();
  const table = join(dir, 'ref.jsonl'), misspelt = join(dir, 'scroes.jsonl');
  // Six rows: the board reads top-5 picks.
  writeRows(table, sampleGenotypes(space, 6, 9).map((g, i) => row(g, 0.5 + i / 20)));
  assert.throws(() => readRows(misspelt, '--scores'), { name: 'UsageError', message: `--scores ${misspelt}: no such table file` });
  assert.deepEqual(readRowsSoFar(misspelt), []);
  assert.equal(readRowsSoFar(table).length, 6);
  const board = (scores: string) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/evaluator-board.ts'), '--table', table, '--scores', scores], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const good = board(table);
  assert.equal(good.status, 0, good.stderr);
  const bad = board(`${table},${misspelt}`);
  assert.notEqual(bad.status, 0, `the board printed, with a misspelt --scores:\n${bad.stdout}`);
  assert.ok(bad.stderr.includes(`--scores ${misspelt}: no such table file`), bad.stderr);
});

test('cellscape reference writes a test-split table, and continues it from the file alone on a fresh database', () => {
  const dir = tempDir();
  const out = join(dir, 'ref.jsonl');
  const budget = ['--epochs', '1', '--train-images', '40', '--test-images', '30', '--batch-size', '20', '--workers', '1'];
  const first = cli('reference', '--uniform', '2', ...budget, '--db', join(dir, 'a.db'), '--out', out);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  const before = readFileSync(out, 'utf8');
  const rows = readRows(out);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.arch), sampleGenotypes(space, 2, 0).map((g) => space.key(g)));
  assert.ok(rows.every((r) => r.split === 'test' && r.budget.valImages === 30 && r.accuracy >= 0 && r.accuracy <= 1));

  // Another machine: no a.db, only the file. Three asked, the two in the file are kept as they are.
  const second = cli('reference', '--uniform', '3', ...budget, '--db', join(dir, 'b.db'), '--out', out);
  assert.equal(second.status, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /2 rows; 3 architectures asked, 1 to train/);
  assert.ok(readFileSync(out, 'utf8').startsWith(before));
  assert.equal(readRows(out).length, 3);
  const store = openStore(join(dir, 'b.db'), { readonly: true });
  try {
    assert.equal(store.listCandidates(1).length, 1, 'only the new architecture was trained');
  } finally {
    store.close();
  }

  const other = cli('reference', '--uniform', '3', ...budget, '--epochs', '2', '--db', join(dir, 'b.db'), '--out', out);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /measured differently \(budget/);
  // Any run exports to the same format.
  const exported = cli('table', '1', '--db', join(dir, 'b.db'), '--out', join(dir, 'run.csv'));
  assert.equal(exported.status, 0, exported.stderr);
  assert.equal(readRows(join(dir, 'run.csv')).length, 1);
});

test('cellscape fidelity ranks an evaluator against a reference table, stores the figures, and evaluates nothing twice', () => {
  const dir = tempDir();
  const gs = sampleGenotypes(space, 5, 3);
  const reference = join(dir, 'ref.jsonl'), other = join(dir, 'other.csv');
  writeRows(reference, gs.map((g, i) => row(g, [0.5, 0.6, 0.7, 0.8, 0.9][i])));
  // The other evaluator swaps the two best: rho = 1 - 6 * 2 / (5 * 24) = 0.9, tau = (9 - 1) / 10.
  writeRows(other, gs.map((g, i) => row(g, [0.1, 0.2, 0.3, 0.5, 0.4][i])));
  const args = ['fidelity', '--table', reference, '--evaluator', `table:${other}`, '--accuracy-col', 'accuracy', '--workers', '1', '--db', join(dir, 'f.db')];
  const r = cli(...args);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\n5 +0\.900 +-?\d\.\d{3} to 1\.000 +0\.800 +0\.000 +- *\n/, 'a table lookup has no training time to report');
  const again = cli(...args);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /to evaluate/);
  const store = openStore(join(dir, 'f.db'), { readonly: true });
  try {
    assert.equal(store.listRuns().length, 1);
    const events = store.listEvents(1).filter((e) => e.kind === 'fidelity');
    assert.equal(events.length, 2);
    const data = fidelityTableDataSchema.parse(events[0].data); // the shape the explorer reads
    assert.ok(data.spearman !== null && data.kendall !== null);
    assert.deepEqual([data.n, data.referenceRows, data.top10], [5, 5, 0]);
    assert.ok(Math.abs(data.spearman - 0.9) < 1e-12 && Math.abs(data.kendall - 0.8) < 1e-12);
    // Resamples of 5 that keep the evaluator's order of the best two give 1; none can pass it.
    assert.ok(data.spearmanLo! < 0.9 && data.spearmanHi === 1, JSON.stringify(data));
  } finally {
    store.close();
  }
  // Against the mean with a second seed that swaps the two best back: the evaluator's order is the mean's.
  const seed1 = join(dir, 'ref-seed1.jsonl');
  writeRows(seed1, gs.map((g, i) => ({ ...row(g, [0.5, 0.6, 0.7, 0.95, 0.8][i]), seed: 1 })));
  const mean = cli(...args, '--seed-tables', seed1);
  assert.equal(mean.status, 0, mean.stdout + mean.stderr);
  assert.match(mean.stdout, /\(5 rows, mean of 2 seeds,/);
  assert.match(mean.stdout, /\n5 +1\.000 +1\.000 /);
});

test('a table averaged over its other seeds: the mean for the architectures every seed holds, and only the seed may differ', () => {
  const gs = sampleGenotypes(space, 3, 7);
  const seed0 = gs.map((g, i) => row(g, [0.80, 0.84, 0.82][i]));
  const seed1 = gs.slice(0, 2).map((g, i) => ({ ...row(g, [0.86, 0.80][i]), seed: 1 }));
  const mean = seedMeanReference({ path: 'a.jsonl', rows: seed0 }, [{ path: 'b.jsonl', rows: seed1 }]);
  assert.deepEqual([...mean.keys()], gs.slice(0, 2).map((g) => space.key(g)), 'the third is not in seed 1');
  assert.ok(Math.abs(mean.get(space.key(gs[0]))! - 0.83) < 1e-12 && Math.abs(mean.get(space.key(gs[1]))! - 0.82) < 1e-12);
  const longer = seed1.map((r) => ({ ...r, budget: { epochs: 2, trainImages: 10 } }));
  assert.throws(() => seedMeanReference({ path: 'a.jsonl', rows: seed0 }, [{ path: 'b.jsonl', rows: longer }]), /--seed-tables b\.jsonl: row 1 was measured differently from a\.jsonl \(budget .*\); only the seed may differ/);
  assert.throws(() => seedMeanReference({ path: 'a.jsonl', rows: seed0 }, [{ path: 'c.jsonl', rows: seed0 }]), /--seed-tables c\.jsonl: seed 0 is not another seed/);
});

test('a fidelity check trains the front and random others of a search again and stores how well the search ranked them', () => {
  const dir = tempDir();
  const db = join(dir, 's.db');
  const tiny = ['--epochs', '1', '--batch-size', '20', '--workers', '1', '--db', db];
  const s = cli('search', '--strategy', 'random', '--budget', '4', '--train-images', '40', '--val-images', '30', '--latency-runtime', 'none', ...tiny);
  assert.equal(s.status, 0, s.stdout + s.stderr);
  const r = cli('fidelity', '--run', '1', '--check', '3', '--train-images', '60', '--val-images', '40', ...tiny);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.match(/n +spearman +90% interval +kendall/g)?.length, 1, 'the figures printed once');
  const store = openStore(db, { readonly: true });
  try {
    const [check] = store.listEvents(1).filter((e) => e.kind === 'fidelity-check');
    const data = check.data as { n: number; candidates: number[]; checkRun: number; budget: { trainImages: number; valImages: number } };
    assert.equal(data.n, 3);
    assert.deepEqual([data.budget.trainImages, data.budget.valImages], [60, 40]);
    const best = store.listCandidates(1, { status: 'done' }).sort((a, b) => b.metrics.accuracy! - a.metrics.accuracy! || a.id - b.id)[0];
    assert.equal(data.candidates[0], best.id, 'the front comes first, best accuracy first');
    assert.equal(store.listCandidates(data.checkRun).length, 3);
  } finally {
    store.close();
  }
});
