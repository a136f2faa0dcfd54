/** One real search end to end: proxy training of DARTS cells on Fashion-MNIST at a tiny budget, on the pool. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { tempDir } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('cellscape search trains real candidates on 2 workers, stores their results and epochs, and leaks no tensors', () => {
  const dir = tempDir();
  const db = join(dir, 'proxy.db');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', '--budget', '3', '--population', '2',
    '--sample', '1', '--workers', '2', '--epochs', '1', '--train-images', '64', '--val-images', '64', '--batch-size', '32',
    '--latency-repeats', '3', '--latency-warmup', '1', '--seed', '2', '--db', db],
    // An empty data cache, as on a fresh clone: both workers parse Fashion-MNIST and write the cache at once.
    { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CELLSCAPE_CACHE: join(dir, 'cache') } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /run 1 finished: 3 done, 0 failed of 3/);
  const store = openStore(db, { readonly: true });
  try {
    const run = store.getRun(1)!;
    assert.equal(run.spaceName, 'darts-fmnist-small');
    assert.notEqual(run.backend, 'table');
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 3);
    for (const c of done) {
      assert.ok(c.metrics.accuracy! >= 0 && c.metrics.accuracy! <= 1, `accuracy ${c.metrics.accuracy}`);
      assert.ok(c.metrics.latency_ms! > 0 && c.metrics.params! > 0, `latency ${c.metrics.latency_ms}, params ${c.metrics.params}`);
      const tensors = (c.extra as { tensors: { before: number; after: number } }).tensors;
      assert.equal(tensors.after, tensors.before, `candidate ${c.id} left tensors behind`);
      assert.equal(store.listEpochs(1, c.id).length, 1);
    }
    assert.equal(new Set(done.map((c) => (c.extra as { worker: string }).worker)).size, 2, 'both workers trained');
  } finally {
    store.close();
  }
});

test('a search can take latency from a lookup table made by cellscape lut, and a bad table fails before the run starts', () => {
  const dir = tempDir();
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const lut = join(dir, 'lut.json');
  const made = cli('lut', '--space', 'darts-fmnist-small', '--out', lut, '--repeats', '3', '--warmup', '1', '--samples', '0');
  assert.equal(made.status, 0, made.stdout + made.stderr);
  const db = join(dir, 'lut.db');
  const r = cli('search', '--budget', '2', '--population', '2', '--sample', '1', '--workers', '1', '--epochs', '1', '--train-images', '64',
    '--val-images', '64', '--batch-size', '32', '--latency-runtime', `lut:${lut}`, '--db', db);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const store = openStore(db, { readonly: true });
  try {
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 2);
    for (const c of done) {
      assert.ok(c.metrics.latency_ms! > 0, `latency ${c.metrics.latency_ms}`);
      assert.equal(c.metrics.latency_iqr_ms, undefined, 'a predicted latency has no spread');
    }
  } finally {
    store.close();
  }
  const bad = cli('search', '--budget', '2', '--latency-runtime', `lut:${join(dir, 'missing.json')}`, '--db', join(dir, 'bad.db'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--latency-runtime lut:.*missing\.json/);
});
