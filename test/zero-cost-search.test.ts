/** `cellscape search --evaluator zc:PROXY` end to end: candidates ranked by a proxy of their untrained network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { Genotype, Space } from '../search/space/types.ts';
import { sampleGenotypes } from '../search/reference/genotypes.ts';
import { spearman } from '../search/reference/agreement.ts';
import { writeRows, type TableRow } from '../search/reference/rows.ts';
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

test('zc:params stores the parameter count as the score; zc:naswot stores its own metric, never accuracy', () => {
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
      assert.ok(c.metrics.params! > 0 && !Object.keys(c.metrics).some((k) => k === 'accuracy' || k.startsWith('zc_')), JSON.stringify(c.metrics));
    }
    assert.deepEqual((store.getRun(1)!.config as { objectives: string[] }).objectives, ['params']);
    const naswot = store.listCandidates(2);
    assert.equal(naswot.length, 2);
    // A log-determinant of a 64 x 64 kernel whose diagonal is the unit count: large, finite, not the parameter count.
    for (const c of naswot) {
      assert.ok(c.status === 'done' && Number.isFinite(c.metrics.zc_naswot) && c.metrics.zc_naswot! > 0 && c.metrics.zc_naswot !== c.metrics.params, JSON.stringify(c));
      assert.equal(c.metrics.accuracy, undefined);
    }
  } finally {
    store.close();
  }
});

test('a zc:synflow search stores zc_synflow, not accuracy, and ranks by it against parameters by default', () => {
  const db = join(dir, 'synflow.db');
  const r = search(db, 'synflow', 3);
  assert.equal(r.code, 0, r.out + r.err);
  const store = openStore(db, { readonly: true });
  try {
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 3);
    for (const c of done) {
      assert.ok(c.metrics.zc_synflow! > 0, JSON.stringify(c.metrics));
      assert.equal(c.metrics.accuracy, undefined);
    }
    assert.deepEqual((store.getRun(1)!.config as { objectives: string[] }).objectives, ['zc_synflow', 'params']);
    const [summary] = store.listRuns();
    assert.equal(summary.quality, 'zc_synflow');
    assert.equal(summary.bestQuality, Math.max(...done.map((c) => c.metrics.zc_synflow!)));
  } finally {
    store.close();
  }
});

test('cellscape fidelity --evaluator zc:synflow ranks the proxy\'s scores against the table\'s accuracies', () => {
  const space = loadSpace(resolveSpacePath('darts-fmnist-small')) as Space<Genotype>;
  const gs = sampleGenotypes(space, 4, 5);
  const reference = join(dir, 'ref.jsonl'), db = join(dir, 'fidelity.db');
  const accuracies = [0.9, 0.6, 0.8, 0.7];
  writeRows(reference, gs.map((g, i): TableRow => ({
    arch: space.key(g), accuracy: accuracies[i], params: null, flops: null, latencyMs: null, trainSeconds: 1, space: 'darts-fmnist-small', spaceHash: space.hash,
    dataset: 'fashion-mnist', split: 'test', budget: { epochs: 1, trainImages: 10 }, seed: 0, genotype: g, backend: 'cpu',
    date: '2026-12-01T00:00:00.000Z', run: 1, command: 'cellscape reference',
  })));
  const r = cellscape(['fidelity', '--table', reference, '--evaluator', 'zc:synflow', '--workers', '1', '--db', db]);
  assert.equal(r.code, 0, r.out + r.err);
  const store = openStore(db, { readonly: true });
  try {
    const byKey = new Map(store.listCandidates(1, { status: 'done' }).map((c) => [c.key, c.metrics]));
    assert.ok([...byKey.values()].every((m) => m.accuracy === undefined));
    const scores = gs.map((g) => byKey.get(space.key(g))!.zc_synflow!);
    const [event] = store.listEvents(1).filter((e) => e.kind === 'fidelity');
    const data = event.data as { n: number; spearman: number };
    assert.equal(data.n, 4);
    assert.equal(data.spearman, spearman(accuracies, scores));
  } finally {
    store.close();
  }
});

test('an unknown proxy is a usage error naming the known ones', () => {
  const r = search(join(dir, 'bad.db'), 'synflw', 2);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown zero-cost proxy 'synflw': choose one of synflow, naswot, snip, grad_norm, fisher, jacob_cov, params, flops/);
});

test('a trained candidate also stores its untrained network\'s synflow, the score zc:synflow gives it; --zc none stores none', () => {
  const train = ['--space', 'darts-fmnist-small', '--strategy', 'random', '--latency-runtime', 'none', '--budget', '2', '--workers', '1', '--seed', '3',
    '--epochs', '1', '--train-images', '40', '--val-images', '30', '--batch-size', '20'];
  const db = join(dir, 'trained.db');
  const trained = cellscape(['search', ...train, '--zc', 'synflow,params', '--db', db]);
  assert.equal(trained.code, 0, trained.out + trained.err);
  assert.match(trained.out, /also scored untrained by synflow, params/);
  assert.equal(search(db, 'synflow', 2).code, 0);
  const none = cellscape(['search', ...train, '--zc', 'none', '--db', db]);
  assert.equal(none.code, 0, none.out + none.err);
  const store = openStore(db, { readonly: true });
  try {
    const scored = store.listCandidates(1, { status: 'done' });
    const ranked = new Map(store.listCandidates(2, { status: 'done' }).map((c) => [c.key, c.metrics.zc_synflow]));
    assert.equal(scored.length, 2);
    for (const c of scored) {
      assert.ok(c.metrics.accuracy !== undefined && c.metrics.zc_synflow! > 0, JSON.stringify(c.metrics));
      // Same run seed and architecture: the same initialisation, so the same score before training as without it.
      assert.equal(c.metrics.zc_synflow, ranked.get(c.key));
    }
    for (const c of store.listCandidates(3, { status: 'done' })) assert.equal(c.metrics.zc_synflow, undefined);
    assert.deepEqual((store.getRun(1)!.config as { evaluator: unknown }).evaluator, { kind: 'proxy', zeroCost: ['synflow', 'params'] });
  } finally {
    store.close();
  }
});

test('--zc names known proxies and goes only with a training evaluator', () => {
  const bad = cellscape(['search', '--strategy', 'random', '--budget', '1', '--zc', 'synflo', '--db', join(dir, 'zcbad.db')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown zero-cost proxy 'synflo'/);
  const withZc = cellscape(['search', '--strategy', 'random', '--budget', '1', '--evaluator', 'zc:naswot', '--zc', 'synflow', '--db', join(dir, 'zcbad.db')]);
  assert.equal(withZc.code, 2);
  assert.match(withZc.err, /--zc: only with --evaluator proxy/);
});
