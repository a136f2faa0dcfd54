/**
 * The explorer's HTTP API against a database the test fills through the store: answers match
 * the stored data, bad parameters are 400, unknown ids 404, the static server refuses paths
 * outside the app, and the event stream delivers a candidate stored after it opened.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { addSampleCandidates, writeSampleDartsRun, writeSampleRun, writeSampleSegmentationRun } from '../explorer/sample-runs.ts';
import { decodeMask } from '../search/contracts/seg-preview.ts';
import { createRng } from '../search/util/rng.ts';
import type { CandidatesAnswer, CompareAnswer, DartsAnswer, FrontAnswer, MetricsAnswer, ProgressAnswer, RunSummary, CandidateDetail } from '../explorer/server/api-types.ts';
import { metricRegistry } from '../search/contracts/metrics.ts';
import { bruteFront, tempDb } from './explorer-helpers.ts';

let db: ReturnType<typeof tempDb>;
let dist: string;
let explorer: Explorer;
let runId: number;
let otherId: number;
let dartsId: number;
let segId: number;
let macsId: number;

before(async () => {
  db = tempDb();
  runId = writeSampleRun(db.store, { name: 'api-evolution', candidates: 120, seed: 3, populationSize: 20, running: true });
  otherId = writeSampleRun(db.store, { name: 'api-blocks', family: 'block', candidates: 60, seed: 4 });
  dartsId = writeSampleDartsRun(db.store, { epochs: 4 });
  segId = writeSampleSegmentationRun(db.store, { candidates: 4 });
  macsId = writeSampleRun(db.store, { name: 'api-macs', candidates: 40, seed: 5, objectives: ['accuracy', 'flops'] });
  // A stand-in app next to a secret the static server must never hand out.
  dist = mkdtempSync(join(tmpdir(), 'cellscape-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, '..', `${dist.split('/').pop()}-secret.txt`), 'SECRET');
  explorer = await startExplorer({ dbPath: db.path, port: 0, distDir: dist, pollMs: 100 });
});

after(async () => {
  await explorer?.close();
  db?.cleanup();
  rmSync(dist, { recursive: true, force: true });
  rmSync(`${dist}-secret.txt`, { force: true });
});

/** A raw GET (fetch would normalize the path before sending it). */
function get(path: string): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(explorer.url);
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) }));
    }).on('error', reject).end();
  });
}
async function json<T>(path: string, status = 200): Promise<T> {
  const r = await get(path);
  assert.equal(r.status, status, `${path}: ${r.body}`);
  assert.match(r.type, /application\/json/);
  return JSON.parse(r.body) as T;
}

test('the runs list summarizes what the store holds', async () => {
  const { runs } = await json<{ runs: RunSummary[] }>('/api/runs');
  assert.deepEqual(runs.map((r) => r.id).sort(), [runId, otherId, dartsId, segId, macsId].sort());
  const r = runs.find((x) => x.id === runId)!;
  const done = db.store.listCandidates(runId, { status: 'done' });
  assert.equal(r.candidates, done.length);
  assert.equal(r.quality, 'accuracy');
  assert.equal(r.bestQuality, Math.max(...done.map((c) => c.metrics.accuracy!)));
  assert.equal(r.frontSize, bruteFront(db.store, runId, 'accuracy', 'latency_ms').length);
  assert.equal(r.status, 'running');
});

test('candidate columns carry every evaluated candidate and its metrics', async () => {
  const a = await json<CandidatesAnswer>(`/api/runs/${runId}/candidates`);
  const done = db.store.listCandidates(runId, { status: 'done' });
  assert.equal(a.count, done.length);
  const k = a.columns.id.indexOf(done[7].id);
  assert.equal(a.columns.metrics.accuracy![k], done[7].metrics.accuracy);
  assert.equal(a.columns.metrics.latency_ms![k], done[7].metrics.latency_ms);
  assert.equal(a.columns.metrics.params![k], done[7].metrics.params);
  assert.equal(a.columns.metrics.miou, undefined, 'a classification run has no mIoU column');
  assert.equal(a.columns.parent[k], done[7].parentIds[0] ?? null);
});

test('fronts match a brute-force Pareto check on each pair of axes', async () => {
  for (const x of ['latency_ms', 'params', 'flops'] as const) {
    const f = await json<FrontAnswer>(`/api/runs/${runId}/front?x=${x}&y=accuracy`);
    assert.deepEqual([...f.ids].sort((p, q) => p - q), bruteFront(db.store, runId, 'accuracy', x), x);
  }
});

test('progress is monotone and ends at the best accuracy', async () => {
  const p = await json<ProgressAnswer>(`/api/runs/${runId}/progress`);
  const done = db.store.listCandidates(runId, { status: 'done' });
  const last = p.points[p.points.length - 1];
  assert.equal(last.evaluated, done.length);
  assert.equal(last.best, Math.max(...done.map((c) => c.metrics.accuracy!)));
  for (let i = 1; i < p.points.length; i++) {
    assert.ok(p.points[i].hypervolume! >= p.points[i - 1].hypervolume!, 'hypervolume never falls');
    assert.ok(p.points[i].evaluated > p.points[i - 1].evaluated);
  }
});

test('a candidate comes with its lineage and epochs; DARTS runs with their weights', async () => {
  const child = db.store.listCandidates(runId, { status: 'done' }).find((c) => c.parentIds.length > 0)!;
  const parentId = child.parentIds[0];
  const { candidate } = await json<{ candidate: CandidateDetail }>(`/api/candidates/${parentId}`);
  assert.ok(candidate.children.some((c) => c.id === child.id));
  assert.deepEqual(candidate.genotype, db.store.getCandidate(parentId)!.genotype);
  const d = await json<DartsAnswer>(`/api/runs/${dartsId}/darts`);
  assert.equal(d.epochs.length, 4);
  assert.equal(d.normal!.snapshots.length, 4);
  assert.equal(d.normal!.edges.length, 14);
  assert.ok(Math.abs(d.normal!.snapshots[0].weights[0].reduce((s, w) => s + w, 0) - 1) < 1e-9);
});

test('compare overlays fronts under one reference point', async () => {
  const c = await json<CompareAnswer>(`/api/compare?runs=${runId},${otherId}&x=params&y=accuracy`);
  assert.deepEqual(c.runs.map((r) => r.id), [runId, otherId]);
  assert.deepEqual(c.runs[1].front.map((p) => p.id).sort((a, b) => a - b), bruteFront(db.store, otherId, 'accuracy', 'params'));
});

test('compare without axes draws the first run\'s own cost and measures hypervolume on it', async () => {
  const byMacs = await json<CompareAnswer>(`/api/compare?runs=${macsId},${runId}`);
  assert.deepEqual([byMacs.x, byMacs.y, byMacs.objectives], ['flops', 'accuracy', ['accuracy', 'flops']]);
  assert.deepEqual(byMacs.runs[0].front.map((p) => p.id).sort((a, b) => a - b), bruteFront(db.store, macsId, 'accuracy', 'flops'));
  const flops = db.store.listCandidates(macsId, { status: 'done' }).map((c) => c.metrics.flops!);
  assert.ok(byMacs.reference[1] > Math.max(...flops), 'the reference point lies beyond the worst MACs');
  // A run that records no objectives trades accuracy against latency, and so does a comparison it leads.
  const byLatency = await json<CompareAnswer>(`/api/compare?runs=${runId},${macsId}`);
  assert.deepEqual([byLatency.x, byLatency.objectives], ['latency_ms', ['accuracy', 'latency_ms']]);
});

test('a front without axes is the run\'s own: its cost and quality, as many points as its summary counts', async () => {
  const { runs } = await json<{ runs: RunSummary[] }>('/api/runs');
  const macs = runs.find((r) => r.id === macsId)!;
  const f = await json<FrontAnswer>(`/api/runs/${macsId}/front`);
  assert.deepEqual([f.x, f.y], ['flops', 'accuracy']);
  assert.deepEqual([...f.ids].sort((a, b) => a - b), bruteFront(db.store, macsId, 'accuracy', 'flops'));
  assert.equal(f.ids.length, macs.frontSize);
});

test('unknown ids are 404 and malformed parameters 400, as JSON errors', async () => {
  assert.match((await json<{ error: string }>('/api/runs/9999', 404)).error, /no run with id 9999/);
  await json('/api/runs/9999/candidates', 404);
  await json('/api/candidates/999999', 404);
  await json(`/api/compare?runs=${runId},9999`, 404);
  await json('/api/runs/abc', 400);
  await json(`/api/runs/${runId}/front?x=bogus`, 400);
  await json(`/api/runs/${runId}/front?x=latency&evil=1`, 400);
  await json('/api/compare?runs=1;DROP', 400);
  await json(`/api/runs/${runId}/events?cursor=nonsense`, 400);
  await json('/api/nothing', 404);
});

test('the static server refuses paths outside the app', async () => {
  assert.equal((await get('/')).status, 200);
  const name = `${dist.split('/').pop()}-secret.txt`;
  for (const path of [`/..%2f${name}`, `/%2e%2e/${name}`, `/assets/..%2f..%2f${name}`, '/..%2f..%2f..%2fetc%2fpasswd', `/..%5c${name}`]) {
    const r = await get(path);
    assert.ok(r.status === 403 || r.status === 400 || r.status === 404, `${path} answered ${r.status}`);
    assert.doesNotMatch(r.body, /SECRET|root:/, path);
  }
});

test('the event stream delivers a candidate stored after it opened', async () => {
  const { cursor } = await json<CandidatesAnswer>(`/api/runs/${runId}/candidates`);
  const u = new URL(explorer.url);
  const received = new Promise<number[]>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: `/api/runs/${runId}/events?cursor=${encodeURIComponent(cursor)}` }, (res) => {
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        const m = /event: candidates\ndata: (.*)\n\n/.exec(buf);
        if (m) { req.destroy(); resolve((JSON.parse(m[1]) as { columns: { id: number[] } }).columns.id); }
      });
    });
    req.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
    req.setTimeout(5000, () => { req.destroy(); reject(new Error('no candidates event within 5 s')); });
    req.end();
  });
  await new Promise((r) => setTimeout(r, 250));
  const [added] = addSampleCandidates(db.store, runId, 1, createRng(99));
  assert.deepEqual(await received, [added]);
  // The cached answers catch up with the write (the new rows are appended, not reloaded).
  const after = await json<CandidatesAnswer>(`/api/runs/${runId}/candidates`);
  assert.equal(after.columns.id[after.columns.id.length - 1], added);
  assert.equal(after.count, db.store.listCandidates(runId, { status: 'done' }).length);
  const f = await json<FrontAnswer>(`/api/runs/${runId}/front?x=latency_ms&y=accuracy`);
  assert.deepEqual([...f.ids].sort((p, q) => p - q), bruteFront(db.store, runId, 'accuracy', 'latency_ms'));
});

test('a segmentation candidate comes with its mIoU, pixel accuracy and validation samples', async () => {
  const stored = db.store.listCandidates(segId, { status: 'done' })[2];
  const { candidate } = await json<{ candidate: CandidateDetail }>(`/api/candidates/${stored.id}`);
  const extra = stored.extra as { segmentation: { samples: { truth: string; predicted: string }[] } };
  assert.ok(candidate.metrics.miou! > 0);
  assert.equal(candidate.metrics.miou, stored.metrics.miou);
  assert.equal(candidate.metrics.pixel_accuracy, stored.metrics.pixel_accuracy);
  assert.equal(candidate.metrics.accuracy, undefined, 'mIoU is not disguised as accuracy');
  assert.equal(candidate.segmentation!.samples.length, 3);
  assert.deepEqual(decodeMask(candidate.segmentation!.samples[1].predicted), decodeMask(extra.segmentation.samples[1].predicted));
  assert.equal((candidate.extra as Record<string, unknown>).segmentation, undefined, 'the preview is not sent twice');
  // A classification candidate has neither.
  const { candidate: plain } = await json<{ candidate: CandidateDetail }>(`/api/candidates/${db.store.listCandidates(runId, { limit: 1 })[0].id}`);
  assert.equal(plain.segmentation, null);
  assert.equal(plain.metrics.pixel_accuracy, undefined);
});

test('exported files registered for a candidate are served, and nothing else', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cellscape-exported-'));
  try {
    writeFileSync(join(out, 'genotype.json'), '{"format":"cellscape-genotype"}');
    writeFileSync(join(out, 'model.onnx'), Buffer.from([8, 7, 1, 2]));
    writeFileSync(join(out, 'group1-shard1of1.bin'), Buffer.alloc(16, 3));
    writeFileSync(join(out, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['group1-shard1of1.bin', '../secret.bin'], weights: [] }] }));
    writeFileSync(join(out, 'other.txt'), 'NOT REGISTERED');
    const [id, bare] = db.store.listCandidates(segId, { limit: 2 }).map((c) => c.id);
    db.store.mergeCandidateExtra(id, { exports: { json: join(out, 'genotype.json'), tfjs: out, onnx: join(out, 'model.onnx') } });
    const { candidate } = await json<{ candidate: CandidateDetail }>(`/api/candidates/${id}`);
    assert.deepEqual(candidate.downloads.map((d) => [d.kind, d.name, d.bytes]),
      [['genotype', 'genotype.json', '{"format":"cellscape-genotype"}'.length], ['onnx', 'model.onnx', 4], ['tfjs', 'model.json', readFileSync(join(out, 'model.json')).length], ['tfjs', 'group1-shard1of1.bin', 16]]);
    assert.equal(candidate.segmentation!.samples.length, 3, 'registering exports keeps the rest of extra');
    const onnx = await get(candidate.downloads[1].url);
    assert.equal(onnx.status, 200);
    assert.match(onnx.type, /octet-stream/);
    assert.equal((await get(candidate.downloads[0].url)).body, '{"format":"cellscape-genotype"}');
    for (const name of ['other.txt', '..%2fsecret.bin', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2fother.txt', encodeURIComponent(join(out, 'other.txt')), 'model.json%00', '%E0%A4%A']) {
      const r = await get(`/api/candidates/${id}/files/${name}`);
      assert.ok(r.status === 404 || r.status === 400, `${name} answered ${r.status}`);
      assert.doesNotMatch(r.body, /NOT REGISTERED|root:/, name);
    }
    assert.equal((await get(`/api/candidates/${bare}/files/genotype.json`)).status, 404, 'another candidate registered nothing');
    assert.deepEqual((await json<{ candidate: CandidateDetail }>(`/api/candidates/${bare}`)).candidate.downloads, []);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the metric registry is served, in its order, with direction, unit and task', async () => {
  const { metrics } = await json<MetricsAnswer>('/api/metrics');
  assert.deepEqual(metrics.map((m) => m.name), metricRegistry.map((m) => m.name));
  const miou = metrics.find((m) => m.name === 'miou')!;
  assert.deepEqual([miou.direction, miou.tasks], ['max', ['segmentation']]);
  assert.equal(metrics.find((m) => m.name === 'latency_ms')!.unit, 'ms');
  await json('/api/metrics?x=1', 400);
});
