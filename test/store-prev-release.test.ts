/**
 * A runs.db written by the previous release (test/fixtures/prev-release.db, schema 2: one column
 * per metric, segmentation mIoU in `accuracy`) opens, migrates without loss, and shows in the
 * explorer. Runs on a copy; the fixture stays as the old code wrote it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openStore } from '../search/store/store.ts';
import { schemaVersion } from '../search/store/migrations.ts';
import { runConfigSchema } from '../search/run/config.ts';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import type { CandidateDetail, CandidatesAnswer, DartsAnswer, FrontAnswer, RunSummary } from '../explorer/server/api-types.ts';

const fixture = fileURLToPath(new URL('./fixtures/prev-release.db', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cellscape-prev-'));
const path = join(dir, 'runs.db');
copyFileSync(fixture, path);

interface OldRow {
  id: number; run_id: number; task: string; status: string; accuracy: number | null; latency_ms: number | null;
  latency_iqr_ms: number | null; params: number | null; flops: number | null; train_seconds: number | null; extra_json: string | null;
}
const raw = new Database(fixture, { readonly: true });
const oldVersion = raw.pragma('user_version', { simple: true }) as number;
const old = raw.prepare(`SELECT c.id, c.run_id, r.task, c.status, c.accuracy, c.latency_ms, c.latency_iqr_ms, c.params, c.flops,
  c.train_seconds, c.extra_json FROM candidates c JOIN runs r ON r.id = c.run_id ORDER BY c.id`).all() as OldRow[];
raw.close();

let explorer: Explorer;
before(async () => {
  openStore(path).close(); // read-write open: migrates
  explorer = await startExplorer({ dbPath: path, port: 0 });
});
after(async () => {
  await explorer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(p: string): Promise<T> {
  const r = await fetch(explorer.url + p);
  assert.equal(r.status, 200, `${p}: ${await r.clone().text()}`);
  return (await r.json()) as T;
}

test('the fixture is a previous-release database with every kind of run', () => {
  assert.equal(oldVersion, 2);
  assert.ok(schemaVersion > oldVersion);
  assert.deepEqual([...new Set(old.map((r) => r.task))].sort(), ['classification', 'segmentation']);
  assert.ok(old.filter((r) => r.task === 'segmentation').every((r) => r.accuracy !== null && JSON.parse(r.extra_json!).pixelAccuracy > 0));
});

test('every metric value moves to its registry name; segmentation accuracy becomes miou and pixel accuracy leaves extra', () => {
  const store = openStore(path, { readonly: true });
  try {
    assert.equal(store.schemaVersion(), schemaVersion);
    for (const o of old) {
      const c = store.getCandidate(o.id)!;
      const seg = o.task === 'segmentation';
      const extra = o.extra_json === null ? null : JSON.parse(o.extra_json) as Record<string, unknown>;
      const expected = Object.fromEntries(Object.entries({
        [seg ? 'miou' : 'accuracy']: o.accuracy, pixel_accuracy: seg ? extra!.pixelAccuracy : null, latency_ms: o.latency_ms,
        latency_iqr_ms: o.latency_iqr_ms, params: o.params, flops: o.flops, train_seconds: o.train_seconds,
      }).filter(([, v]) => v != null));
      assert.deepEqual(c.metrics, expected, `candidate ${o.id}`);
      assert.equal(c.status, o.status);
      if (extra) {
        const { pixelAccuracy: _, ...rest } = extra;
        assert.deepEqual(c.extra, rest, `candidate ${o.id} extra`);
      }
    }
    // The runs' configurations read back under the new names, so they show and resume.
    const seg = store.listRuns().find((r) => r.task === 'segmentation')!;
    assert.deepEqual(runConfigSchema.parse(seg.config).objectives, ['miou', 'latency_ms']);
    assert.deepEqual(runConfigSchema.parse(seg.config).fitness, { kind: 'metric', metric: 'miou' });
    const table = store.listRuns().find((r) => r.name === 'table-moo')!;
    assert.deepEqual(runConfigSchema.parse(table.config).objectives, ['accuracy', 'latency_ms']);
    assert.deepEqual((runConfigSchema.parse(table.config).evaluator as { columns: unknown }).columns,
      { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms', params: 'params' } }, 'table columns by metric name');
    assert.equal(seg.quality, 'miou');
    assert.equal(seg.bestQuality, Math.max(...old.filter((r) => r.run_id === seg.id).map((r) => r.accuracy!)));
  } finally {
    store.close();
  }
});

test('the explorer lists the old runs and serves their candidates, fronts and DARTS weights', async () => {
  const { runs } = await get<{ runs: RunSummary[] }>('/api/runs');
  assert.deepEqual(runs.map((r) => r.name).sort(), ['darts-tiny', 'proxy-tiny', 'seg-tiny', 'table-moo']);
  for (const r of runs) {
    const a = await get<CandidatesAnswer>(`/api/runs/${r.id}/candidates`);
    const done = old.filter((o) => o.run_id === r.id && o.status === 'done');
    assert.equal(a.count, done.length, r.name);
    assert.deepEqual([...a.columns.id].sort((x, y) => x - y), done.map((o) => o.id), r.name);
    assert.deepEqual(a.columns.metrics[r.quality], a.columns.id.map((id) => old.find((o) => o.id === id)!.accuracy), r.name);
  }
  const table = runs.find((r) => r.name === 'table-moo')!;
  assert.equal(table.candidates, 12);
  const front = await get<FrontAnswer>(`/api/runs/${table.id}/front`);
  assert.equal(front.y, 'accuracy');
  assert.equal(front.ids.length, table.frontSize);
  const darts = runs.find((r) => r.name === 'darts-tiny')!;
  const weights = await get<DartsAnswer>(`/api/runs/${darts.id}/darts`);
  assert.equal(weights.epochs.length, 1);
  assert.ok(weights.normal && weights.reduce);
});

test('the segmentation run shows mIoU and pixel accuracy, not accuracy', async () => {
  const { runs } = await get<{ runs: RunSummary[] }>('/api/runs');
  const seg = runs.find((r) => r.name === 'seg-tiny')!;
  assert.equal(seg.quality, 'miou');
  const a = await get<CandidatesAnswer>(`/api/runs/${seg.id}/candidates`);
  assert.equal(a.columns.metrics.accuracy, undefined);
  assert.ok(a.columns.metrics.pixel_accuracy!.every((v) => v !== null && v > 0));
  const front = await get<FrontAnswer>(`/api/runs/${seg.id}/front`);
  assert.equal(front.y, 'miou');
  assert.ok(front.ids.length >= 1);
  const { candidate } = await get<{ candidate: CandidateDetail }>(`/api/candidates/${a.columns.id[0]}`);
  const o = old.find((r) => r.id === candidate.id)!;
  assert.equal(candidate.metrics.miou, o.accuracy);
  assert.equal(candidate.metrics.pixel_accuracy, JSON.parse(o.extra_json!).pixelAccuracy);
  assert.equal(candidate.segmentation!.samples.length > 0, true, 'the validation previews survive the migration');
});
