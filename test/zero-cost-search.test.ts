/** `cellscape search --evaluator zc:PROXY` end to end: candidates ranked by a proxy of their untrained network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { tempDir } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();

function cellscape(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function search(db: string, proxy: string, budget: number) {
  return cellscape(['search', '--space', 'darts-fmnist-small', '--strategy', 'random', '--evaluator', `zc:${proxy}`, '--latency-runtime', 'none',
    '--budget', String(budget), '--workers', '1', '--seed', '3', '--db', db]);
}

test('zc:params stores each candidate\'s parameter count as its score; zc:naswot scores from a minibatch', () => {
  const db = join(dir, 'zc.db');
  const r = search(db, 'params', 4);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /zero-cost proxy params on fashion-mnist/);
  const n = search(db, 'naswot', 2);
  assert.equal(n.code, 0, n.out + n.err);
  const store = openStore(db, { readonly: true });
  try {
    const params = store.listCandidates(1);
    assert.equal(params.length, 4);
    for (const c of params) {
      assert.equal(c.status, 'done');
      assert.equal(c.metrics.accuracy, c.metrics.params);
    }
    const naswot = store.listCandidates(2);
    assert.equal(naswot.length, 2);
    // A log-determinant of a 64 x 64 kernel whose diagonal is the unit count: large, finite, not the parameter count.
    for (const c of naswot) assert.ok(c.status === 'done' && Number.isFinite(c.metrics.accuracy) && c.metrics.accuracy! > 0 && c.metrics.accuracy !== c.metrics.params, JSON.stringify(c));
  } finally {
    store.close();
  }
});

test('an unknown proxy is a usage error naming the known ones', () => {
  const r = search(join(dir, 'bad.db'), 'synflw', 2);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown zero-cost proxy 'synflw': choose one of synflow, naswot, snip, grad_norm, fisher, params, flops/);
});
