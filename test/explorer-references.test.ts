/**
 * Named reference architectures on a run's Pareto plot: `cellscape references` trains them (here
 * one hand-designed Fashion-MNIST cell, two seeds, at a tiny budget) into the database, and the
 * explorer draws each as a labelled point at the mean of its stored trainings on every run of the
 * same data set. The expected figures are read back from the stored candidates, not from the
 * server. Browser: Debian's Chromium, never a downloaded one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { writeSampleRun } from '../explorer/sample-runs.ts';
import type { OverlaysAnswer } from '../explorer/server/api-types.ts';
import { REFERENCES_EVENT, referencesDataSchema } from '../search/contracts/references.ts';
import { cellscapeInProcess } from './cli-in-process.ts';
import { openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

const ARGS = ['references', '--space', 'darts-fmnist-small', '--names', 'vgg-like', '--seeds', '2', '--epochs', '1',
  '--train-images', '32', '--val-images', '32', '--latency-runtime', 'none', '--zc', 'none', '--workers', '1'];

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let search: number;
let otherData: number;

before(async () => {
  db = tempDb();
  const r = await cellscapeInProcess([...ARGS, '--db', db.path]);
  assert.equal(r.code, 0, r.err);
  search = writeSampleRun(db.store, { name: 'a search', candidates: 40, seed: 5 });
  otherData = db.store.createRun({
    name: 'on mnist', strategy: 'random', spaceName: 'darts-fmnist-small', spaceDefinition: {}, spaceHash: 'h', task: 'classification',
    dataset: 'mnist', config: {}, seed: 1, backend: 'wasm', versions: {}, commandLine: 'cellscape search --dataset mnist',
  }).id;
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

/** The stored trainings of each reference, found through the runs' events, as [name, [accuracy], [params]]. */
function storedTrainings(): Map<string, { accuracy: number[]; params: number[] }> {
  const out = new Map<string, { accuracy: number[]; params: number[] }>();
  for (const e of db.store.listEventsOfKind(REFERENCES_EVENT)) {
    const { names } = referencesDataSchema.parse(e.data);
    for (const c of db.store.listCandidates(e.runId, { status: 'done' })) {
      const t = out.get(names[c.key]) ?? { accuracy: [], params: [] };
      t.accuracy.push(c.metrics.accuracy!);
      t.params.push(c.metrics.params!);
      out.set(names[c.key], t);
    }
  }
  return out;
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

test('cellscape references trains each named architecture once per seed, names it, and continues without training again', async () => {
  const stored = storedTrainings();
  assert.deepEqual([...stored.keys()], ['vgg-like']);
  assert.equal(stored.get('vgg-like')!.accuracy.length, 2, 'two seeds');
  const runs = db.store.listRuns().length;
  const again = await cellscapeInProcess([...ARGS, '--db', db.path]);
  assert.equal(again.code, 0, again.err);
  assert.equal(db.store.listRuns().length, runs, 'nothing left to train: no new run');
  const bad = await cellscapeInProcess(['references', '--space', 'darts-fmnist-small', '--names', 'alexnet', '--db', db.path]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--names: 'alexnet' is not a reference of darts-fmnist-small \(resnet-like, inception-like, vgg-like\)/);
});

test('the API answers the references measured on a run\'s data set, the mean of their trainings', async () => {
  const res = await fetch(`${explorer.url}/api/runs/${search}/overlays`);
  assert.equal(res.status, 200);
  const { references } = (await res.json()) as OverlaysAnswer;
  const t = storedTrainings().get('vgg-like')!;
  assert.equal(references.length, 1);
  assert.deepEqual({ name: references[0].name, n: references[0].n, budget: references[0].budget }, { name: 'vgg-like', n: 2, budget: { epochs: 1, trainImages: 32, valImages: 32 } });
  assert.equal(references[0].metrics.accuracy, mean(t.accuracy));
  assert.equal(references[0].metrics.params, mean(t.params));
  assert.equal(references[0].metrics.latency_ms, undefined, 'trained without latency: none is made up');
  assert.deepEqual(((await (await fetch(`${explorer.url}/api/runs/${otherData}/overlays`)).json()) as OverlaysAnswer).references, [], 'another data set: none');
  assert.equal((await fetch(`${explorer.url}/api/runs/9999/overlays`)).status, 404);
  assert.equal((await fetch(`${explorer.url}/api/runs/${search}/overlays?x=1`)).status, 400);
});

test('the run page draws each reference as a labelled point at its measured figures', { skip: skipBrowser }, async () => {
  const opened = await openChromium();
  browser = opened.browser;
  const { page } = opened;
  const t = storedTrainings().get('vgg-like')!;
  await page.goto(`${explorer.url}/#/run/${search}?x=params&y=accuracy`);
  const point = page.locator('[data-testid="reference-point"]');
  await point.waitFor();
  assert.equal(await point.count(), 1);
  assert.equal(await point.getAttribute('data-name'), 'vgg-like');
  assert.equal(Number(await point.getAttribute('data-x')), mean(t.params));
  assert.equal(Number(await point.getAttribute('data-y')), mean(t.accuracy));
  assert.equal(await point.locator('text').textContent(), 'vgg-like');
  assert.match((await point.locator('title').textContent())!, /mean of 2 trainings, 1 epochs × 32 images/);
  // The reference lies inside the plotted area (the axes span it), not clipped off.
  const [box, area] = await Promise.all([point.locator('path').boundingBox(), page.locator('[data-testid="pareto"] rect.overlay').boundingBox()]);
  assert.ok(box && area && box.x >= area.x && box.x + box.width <= area.x + area.width + 1 && box.y >= area.y && box.y + box.height <= area.y + area.height + 1);
  await page.screenshot({ path: 'test-output/explorer-references.png', fullPage: true });
  // On the default axes (latency), a reference trained without latency is not drawn.
  await page.goto(`${explorer.url}/#/run/${search}`);
  await page.waitForSelector('[data-testid="pareto"]');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('[data-testid="reference-point"]').count(), 0);
});
