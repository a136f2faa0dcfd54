import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type NewRun } from '../search/store/store.ts';
import { migrations, schemaVersion } from '../search/store/migrations.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import { createRng } from '../search/util/rng.ts';

function tempDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'runs.db');
}

const newRun: NewRun = {
  name: 'nb201-evo', strategy: 'evolution', spaceName: 'nb201', spaceDefinition: { family: 'tabular-cell', ops: ['none', 'skip'] },
  spaceHash: 'abc123', task: 'classification', dataset: 'cifar10', config: { population: 20, sample: 5 }, seed: 42,
  backend: 'wasm', versions: { '@tensorflow/tfjs': '4.22.0' }, commandLine: 'cellscape search --seed 42',
};

test('a fresh file is migrated to the current version; reopening is a no-op that keeps the data', (t) => {
  const path = tempDb(t);
  const s = openStore(path);
  assert.equal(s.schemaVersion(), schemaVersion);
  const run = s.createRun(newRun);
  s.close();
  const again = openStore(path);
  assert.equal(again.schemaVersion(), schemaVersion);
  assert.equal(again.getRun(run.id)?.name, 'nb201-evo');
  again.close();
});

test('a database from a newer program is refused', (t) => {
  const path = tempDb(t);
  openStore(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${schemaVersion + 1}`);
  raw.close();
  assert.throws(() => openStore(path), /newer than this program/);
  assert.throws(() => openStore(path, { readonly: true }), /schema version/);
});

test('runs round-trip with their JSON columns, status and state', (t) => {
  let clock = 1000;
  const s = openStore(tempDb(t), { now: () => clock });
  const run = s.createRun(newRun);
  assert.deepEqual({ ...run, id: 0 }, {
    ...newRun, id: 0, status: 'running', error: null, state: null, createdAt: 1000, startedAt: 1000, finishedAt: null, updatedAt: 1000,
  });
  clock = 2000;
  s.saveRunState(run.id, { rng: [1, 2, 3, 4], population: [7, 8] });
  s.updateRunStatus(run.id, 'failed', 'worker pool died');
  const back = s.getRun(run.id)!;
  assert.deepEqual(back.state, { rng: [1, 2, 3, 4], population: [7, 8] });
  assert.equal(back.status, 'failed');
  assert.equal(back.error, 'worker pool died');
  assert.equal(back.finishedAt, 2000);
  s.updateRunStatus(run.id, 'running');
  assert.equal(s.getRun(run.id)!.finishedAt, null, 'a resumed run is unfinished again');
  assert.throws(() => s.updateRunStatus(999, 'finished'), /no run with id 999/);
  assert.equal(s.getRun(999), undefined);
  s.close();
});

test('candidates: idempotent insert, claim, complete, fail, list with filters and sorts', (t) => {
  const s = openStore(tempDb(t));
  const run = s.createRun(newRun);
  const other = s.createRun({ ...newRun, name: 'other' });
  const a = s.insertCandidate(run.id, { genotype: { nodes: [['skip']] }, key: 'a', generation: 0 });
  const again = s.insertCandidate(run.id, { genotype: { nodes: [['none']] }, key: 'a', generation: 5 });
  assert.deepEqual(again, { id: a.id, inserted: false });
  assert.deepEqual(s.getCandidate(a.id)!.genotype, { nodes: [['skip']] }, 'the first insert wins');
  assert.equal(s.insertCandidate(other.id, { genotype: {}, key: 'a' }).inserted, true, 'keys are unique per run only');
  const b = s.insertCandidate(run.id, { genotype: { nodes: [] }, key: 'b', parentIds: [a.id], generation: 1 });
  const c = s.insertCandidate(run.id, { genotype: { nodes: [] }, key: 'c', parentIds: [a.id, b.id], generation: 2 });
  const d = s.insertCandidate(run.id, { genotype: { nodes: [] }, key: 'd' });

  assert.equal(s.markRunning(a.id, 'w1'), true);
  assert.equal(s.markRunning(a.id, 'w2'), false, 'a running candidate cannot be claimed twice');
  s.completeCandidate(a.id, { metrics: { accuracy: 0.91, latency_ms: 12, latency_iqr_ms: 0.5, params: 1_200_000, flops: 3e8, train_seconds: 30 }, score: 0.8, extra: { top5: 0.99 } });
  s.markRunning(b.id, 'w1');
  s.completeCandidate(b.id, { metrics: { accuracy: 0.85, latency_ms: 4, params: NaN } });
  s.markRunning(c.id, 'w2');
  s.failCandidate(c.id, 'NaN loss');
  assert.equal(s.markRunning(c.id, 'w3'), true, 'a failed candidate may be retried');
  assert.equal(s.getCandidate(c.id)!.attempts, 2);
  s.completeCandidate(c.id, { metrics: { accuracy: 0.80, latency_ms: 20 } }); // dominated by a

  const full = s.getCandidate(a.id)!;
  assert.equal(full.status, 'done');
  assert.equal(full.worker, 'w1');
  assert.deepEqual(full.metrics, { accuracy: 0.91, latency_ms: 12, latency_iqr_ms: 0.5, params: 1_200_000, flops: 3e8, train_seconds: 30 });
  assert.equal(full.score, 0.8);
  assert.deepEqual(s.getCandidate(b.id)!.metrics, { accuracy: 0.85, latency_ms: 4 }, 'a value that is not a number is not stored');
  assert.deepEqual(full.extra, { top5: 0.99 });
  assert.deepEqual(s.getCandidate(c.id)!.parentIds, [a.id, b.id]);
  assert.equal(s.getCandidateByKey(run.id, 'b')!.id, b.id);

  assert.deepEqual(s.listCandidates(run.id, { sort: 'accuracy', order: 'desc' }).map((x) => x.key), ['a', 'b', 'c', 'd'], 'unmeasured last');
  assert.deepEqual(s.listCandidates(run.id, { sort: 'latency_ms' }).map((x) => x.key), ['b', 'a', 'c', 'd']);
  assert.deepEqual(s.listCandidates(run.id, { status: 'pending' }).map((x) => x.key), ['d']);
  assert.deepEqual(s.listCandidates(run.id, { status: ['pending', 'done'], limit: 2, offset: 1 }).map((x) => x.key), ['b', 'c']);
  assert.deepEqual(s.listCandidates(run.id, { afterId: b.id }).map((x) => x.id), [c.id, d.id]);
  assert.deepEqual(s.candidateKeys(run.id).sort(), ['a', 'b', 'c', 'd']);

  const summary = s.listRuns().find((r) => r.id === run.id)!;
  assert.deepEqual(summary.counts, { pending: 1, running: 0, done: 3, failed: 0, stale: 0, total: 4 });
  assert.equal(summary.quality, 'accuracy');
  assert.equal(summary.bestQuality, 0.91);
  assert.equal(summary.frontSize, 2, 'a and b trade off; c is dominated by a');
  assert.deepEqual(s.listRuns().map((r) => r.name), ['other', 'nb201-evo'], 'newest first');
  s.close();
});

test('running candidates without a recent heartbeat become stale and can be claimed again', (t) => {
  let clock = 0;
  const s = openStore(tempDb(t), { now: () => clock });
  const run = s.createRun(newRun);
  const ids = ['x', 'y', 'z'].map((key) => s.insertCandidate(run.id, { genotype: {}, key }).id);
  s.markRunning(ids[0], 'w1');
  s.markRunning(ids[1], 'w2');
  clock = 10_000;
  s.heartbeat(ids[1]);
  clock = 20_000;
  assert.equal(s.markStale(clock - 15_000), 1);
  assert.deepEqual(ids.map((id) => s.getCandidate(id)!.status), ['stale', 'running', 'pending']);
  assert.equal(s.markStale(clock - 15_000), 0, 'marking again changes nothing');
  assert.equal(s.markRunning(ids[0], 'w3'), true);
  assert.equal(s.getCandidate(ids[0])!.attempts, 2);
  s.close();
});

test('epochs, architecture snapshots, events and progress round-trip', (t) => {
  const s = openStore(tempDb(t));
  const run = s.createRun(newRun);
  const cand = s.insertCandidate(run.id, { genotype: {}, key: 'k' }).id;
  s.addEpoch(run.id, { epoch: 0, trainLoss: 2.1, trainAccuracy: 0.3, valLoss: 2.2, valAccuracy: 0.28, seconds: 5, genotype: { normal: [] } });
  s.addEpoch(run.id, { epoch: 1, trainLoss: 1.5 });
  s.addEpoch(run.id, { candidateId: cand, epoch: 0, valAccuracy: 0.5 });
  const own = s.listEpochs(run.id, null);
  assert.deepEqual(own.map((e) => [e.epoch, e.trainLoss, e.valAccuracy]), [[0, 2.1, 0.28], [1, 1.5, null]]);
  assert.deepEqual(own[0].genotype, { normal: [] });
  assert.equal(own[1].genotype, null);
  assert.deepEqual(s.listEpochs(run.id, cand).map((e) => e.valAccuracy), [0.5]);
  assert.equal(s.listEpochs(run.id).length, 3);

  const weights = { ops: ['skip', 'conv'], edges: [{ from: 0, to: 2, weights: [0.3, 0.7] }] };
  s.addArchSnapshot(run.id, { epoch: 0, step: 10, cellType: 'normal', weights });
  s.addArchSnapshot(run.id, { epoch: 0, step: 10, cellType: 'reduce', weights });
  assert.deepEqual(s.listArchSnapshots(run.id, 'normal').map((x) => x.weights), [weights]);
  assert.equal(s.listArchSnapshots(run.id).length, 2);
  assert.throws(() => s.addArchSnapshot(run.id, { epoch: 0, step: 0, cellType: 'normal', weights: { ops: 'skip' } as any }));

  const e1 = s.addEvent(run.id, { level: 'info', kind: 'start', message: 'started' });
  s.addEvent(run.id, { level: 'error', kind: 'worker', message: 'crashed', data: { candidate: cand } });
  assert.deepEqual(s.listEvents(run.id, { afterId: e1 }).map((e) => [e.level, e.data]), [['error', { candidate: cand }]]);

  s.addProgress(run.id, { evaluated: 10, elapsedSeconds: 3.5, hypervolume: 1.25, reference: { accuracy: 0, latencyMs: 50 }, bestAccuracy: 0.9 });
  s.addProgress(run.id, { evaluated: 20, elapsedSeconds: 7 });
  const p = s.listProgress(run.id);
  assert.deepEqual(p.map((x) => [x.evaluated, x.hypervolume, x.reference]), [[10, 1.25, { accuracy: 0, latencyMs: 50 }], [20, null, null]]);
  s.close();
});

test('a JSON column of the wrong shape is reported with table, column and row', (t) => {
  const path = tempDb(t);
  const s = openStore(path);
  const run = s.createRun(newRun);
  const id = s.insertCandidate(run.id, { genotype: {}, key: 'k' }).id;
  s.close();
  const raw = new Database(path);
  raw.prepare('UPDATE candidates SET parent_ids_json = ? WHERE id = ?').run('["x"]', id);
  raw.close();
  const again = openStore(path);
  assert.throws(() => again.getCandidate(id), new RegExp(`candidates.parent_ids_json of candidate ${id}`));
  again.close();
});

test('a read-only store reads but refuses writes, and never creates a file', (t) => {
  const path = tempDb(t);
  assert.throws(() => openStore(path, { readonly: true }), /cannot open .* read-only/);
  const w = openStore(path);
  const run = w.createRun(newRun);
  w.close();
  const r = openStore(path, { readonly: true });
  assert.equal(r.getRun(run.id)?.seed, 42);
  assert.throws(() => r.createRun(newRun), /readonly/);
  assert.throws(() => r.addEvent(run.id, { level: 'info', kind: 'x', message: 'y' }), /readonly/);
  r.close();
});

test('a WAL reader is not blocked by an open writer transaction and sees only committed data', (t) => {
  const path = tempDb(t);
  const w = openStore(path);
  const run = w.createRun(newRun);
  const r = openStore(path, { readonly: true, busyTimeoutMs: 0 });
  const before = r.dataVersion();
  w.transaction(() => {
    w.insertCandidate(run.id, { genotype: {}, key: 'uncommitted' });
    // With busy_timeout 0 a blocked read would throw SQLITE_BUSY at once.
    assert.equal(r.listCandidates(run.id).length, 0);
  });
  assert.equal(r.listCandidates(run.id).length, 1);
  assert.notEqual(r.dataVersion(), before, 'a commit by the writer is visible to the poller');
  r.close();
  w.close();
});

test('a transaction that throws leaves nothing behind', (t) => {
  const s = openStore(tempDb(t));
  const run = s.createRun(newRun);
  assert.throws(() => s.transaction(() => {
    s.insertCandidate(run.id, { genotype: {}, key: 'k' });
    s.saveRunState(run.id, { step: 1 });
    throw new Error('crash between result and state');
  }), /crash/);
  assert.equal(s.listCandidates(run.id).length, 0);
  assert.equal(s.getRun(run.id)!.state, null);
  s.close();
});

test('a version-1 database gains the covering indexes on open and keeps its rows', (t) => {
  const path = tempDb(t);
  const raw = new Database(path);
  raw.exec(migrations[0]);
  raw.pragma('user_version = 1');
  raw.prepare(`INSERT INTO runs (name, strategy, space_name, space_json, space_hash, task, dataset, config_json, seed, backend,
    versions_json, command_line, status, created_at, updated_at) VALUES ('old', 'random', 's', '{}', 'h', 'classification', 'd', '{}', 1, 'cpu', '{}', 'c', 'finished', 1, 1)`).run();
  raw.close();
  assert.throws(() => openStore(path, { readonly: true }), /open it once read-write/);
  const s = openStore(path);
  assert.equal(s.schemaVersion(), schemaVersion);
  assert.equal(s.listRuns()[0].name, 'old');
  s.close();
  const check = new Database(path, { readonly: true });
  const plan = check.prepare("EXPLAIN QUERY PLAN SELECT metrics_json FROM candidates WHERE run_id = 1 AND status = 'done'").all() as { detail: string }[];
  check.close();
  assert.match(plan.map((p) => p.detail).join(' '), /COVERING INDEX/);
});

test('the front size counted in SQL matches the non-dominated sort, ties and duplicates included', (t) => {
  const s = openStore(tempDb(t));
  const run = s.createRun(newRun);
  const rng = createRng(5);
  // Coarse grids make equal accuracies, equal latencies and exact duplicates common.
  const points: [number, number][] = [];
  for (let i = 0; i < 300; i++) {
    const p: [number, number] = [rng.int(12) / 12, 1 + rng.int(15)];
    points.push(p);
    const { id } = s.insertCandidate(run.id, { genotype: {}, key: `k${i}` });
    s.markRunning(id, 'w');
    s.completeCandidate(id, { metrics: { accuracy: p[0], latency_ms: p[1] } });
  }
  // Unmeasured latency and unfinished candidates are left out.
  const { id: noLatency } = s.insertCandidate(run.id, { genotype: {}, key: 'no-latency' });
  s.markRunning(noLatency, 'w');
  s.completeCandidate(noLatency, { metrics: { accuracy: 2 } });
  s.insertCandidate(run.id, { genotype: {}, key: 'pending' });
  assert.equal(s.getRunSummary(run.id)!.frontSize, paretoFront(points, ['max', 'min']).length);
  s.close();
});

test('a run whose objectives trade quality against MACs counts its front on MACs; a run without objectives on latency', (t) => {
  const s = openStore(tempDb(t));
  const byMacs = s.createRun({ ...newRun, config: { ...newRun.config, objectives: ['accuracy', 'flops'] } });
  const byLatency = s.createRun(newRun);
  // On MACs all three trade off; on latency the first dominates the other two.
  const metrics = [{ accuracy: 0.9, flops: 3, latency_ms: 1 }, { accuracy: 0.8, flops: 2, latency_ms: 2 }, { accuracy: 0.7, flops: 1, latency_ms: 3 }];
  for (const run of [byMacs, byLatency]) {
    metrics.forEach((m, i) => {
      const { id } = s.insertCandidate(run.id, { genotype: {}, key: `k${i}` });
      s.markRunning(id, 'w');
      s.completeCandidate(id, { metrics: m });
    });
  }
  assert.deepEqual([s.getRunSummary(byMacs.id)!.cost, s.getRunSummary(byMacs.id)!.frontSize], ['flops', 3]);
  assert.deepEqual([s.getRunSummary(byLatency.id)!.cost, s.getRunSummary(byLatency.id)!.frontSize], ['latency_ms', 1]);
  s.close();
});
