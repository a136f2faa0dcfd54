/**
 * `cellscape search --check-fidelity K` end to end at tiny budgets, in real processes: the check
 * printed and stored after the front, resumed after kill -9 in the middle of it without training
 * anything twice, skipped with a reason where there is nothing to train again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { fidelityCheckDataSchema } from '../search/contracts/fidelity.ts';
import { defaultCheckBudget } from '../search/reference/budget.ts';
import { spearman } from '../search/reference/agreement.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();
const cellscape = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 600_000 });
const tinySearch = (db: string, checkImages: number) => ['search', '--strategy', 'random', '--budget', '4', '--epochs', '1', '--train-images', '40', '--val-images', '30',
  '--batch-size', '20', '--latency-runtime', 'none', '--workers', '1', '--check-fidelity', '3', '--check-train-images', String(checkImages), '--check-val-images', '40', '--db', db];

/** The stored check of run 1, checked by the schema the explorer reads it with, and the check run's candidates. */
function storedCheck(db: string) {
  const store = openStore(db, { readonly: true });
  try {
    const events = store.listEvents(1).filter((e) => e.kind === 'fidelity-check');
    const data = events.length === 1 ? fidelityCheckDataSchema.parse(events[0].data) : null;
    return { events, data, search: store.listCandidates(1, { status: 'done' }), check: data ? store.listCandidates(data.checkRun) : [] };
  } finally {
    store.close();
  }
}

test('the default higher budget is the reference tables\' for a cheap proxy, and 5x the epochs of a costly one', () => {
  assert.deepEqual(defaultCheckBudget({ epochs: 1, trainImages: 2000, valImages: 1000 }), { epochs: 2, trainImages: 10000, valImages: 2000 });
  assert.deepEqual(defaultCheckBudget({ epochs: 3, trainImages: 5000, valImages: 4000 }), { epochs: 15, trainImages: 5000, valImages: 4000 });
});

test('a search with --check-fidelity 3 prints and stores how its evaluator ranked 3 candidates trained again', () => {
  const db = join(dir, 'checked.db');
  const r = cellscape(tinySearch(db, 60));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const { data, search, check } = storedCheck(db);
  assert.ok(data, 'one fidelity-check event on the search run');
  assert.equal(data.n, 3);
  assert.deepEqual([data.budget.epochs, data.budget.trainImages, data.budget.valImages], [2, 60, 40]);
  assert.equal(check.length, 3, 'the check run trained the 3 candidates');
  // The stored pairs are the search's accuracies and the check run's, and the stored rho is theirs.
  const byKey = new Map(check.map((c) => [c.key, c.metrics.accuracy!]));
  const pairs = data.pairs!;
  for (const p of pairs) {
    const c = search.find((s) => s.id === p.id)!;
    assert.equal(p.score, c.metrics.accuracy);
    assert.equal(p.check, byKey.get(c.key));
  }
  const rho = spearman(pairs.map((p) => p.check), pairs.map((p) => p.score));
  assert.equal(data.spearman, Number.isNaN(rho) ? null : rho);
  // Printed after the front: the figures as a table, with a warning when rho is low.
  const after = r.stdout.slice(r.stdout.indexOf('Pareto front'));
  assert.match(after, /fidelity check of run 1: 3 candidates \(front \d\) trained again at 2 epochs x 60 images/);
  const shown = data.spearman === null ? '-' : data.spearman.toFixed(3);
  assert.match(after, new RegExp(`n +spearman +90% interval +kendall +top10% +s/candidate\\n[- ]+\\n3 +${shown.replace('.', '\\.')} `));
  assert.equal(/warning: .*disagrees with a longer training/.test(after), data.spearman !== null && data.spearman < 0.5);
});

test('kill -9 during the check, then resume: the check finishes, nothing trained twice', async () => {
  const db = join(dir, 'killed.db');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...tinySearch(db, 120)], { cwd: root, stdio: 'ignore' });
  let gone = false;
  const exited = new Promise((r) => child.on('exit', () => { gone = true; r(null); }));
  let before: { id: number; finishedAt: number | null } | undefined;
  // Until the check run has a result (or the search exits without one); a loaded machine takes minutes.
  for (const start = Date.now(); !before && !gone && Date.now() - start < 600_000;) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const store = openStore(db, { readonly: true });
      before = store.listRuns().length > 1 ? store.listCandidates(2, { status: 'done' })[0] : undefined;
      store.close();
    } catch { /* not created yet */ }
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(before, 'the check run stored a result before the kill');
  assert.equal(storedCheck(db).events.length, 0, 'killed before the check was stored');

  const r = cellscape(['resume', '1', '--force', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /run 2 in .* \(continued\): [12] of 3 architectures to evaluate/);
  assert.match(r.stdout, /n +spearman +90% interval +kendall/);
  const { data, check } = storedCheck(db);
  assert.equal(data?.n, 3);
  assert.equal(check.length, 3);
  assert.equal(new Set(check.map((c) => c.key)).size, 3);
  assert.equal(check.find((c) => c.id === before!.id)?.finishedAt, before.finishedAt, 'the result stored before the kill was kept, not trained again');
  const again = cellscape(['resume', '1', '--db', db]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /run 1 is finished; nothing to resume/);
});

test('--check-fidelity is skipped with its reason where nothing can be trained again, and its budget flags need it', () => {
  const db = join(dir, 'table.db');
  const table = writeNb201Table(dir);
  const r = cellscape(['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--budget', '6', '--workers', '1',
    '--check-fidelity', '3', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /--check-fidelity: skipped: a table evaluator looks results up/);
  const store = openStore(db, { readonly: true });
  try {
    assert.equal(store.listRuns().length, 1, 'no check run');
    assert.deepEqual(store.listEvents(1).filter((e) => e.kind.startsWith('fidelity')), []);
  } finally {
    store.close();
  }
  const bad = cellscape(['search', '--check-epochs', '3', '--db', join(dir, 'none.db')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--check-epochs: only with --check-fidelity K/);
});
