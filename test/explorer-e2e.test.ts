/**
 * End to end in Debian's Chromium (never a downloaded browser): builds the app if needed,
 * serves a database filled through the store, loads a run, checks the plotted points and front,
 * switches axes, clicks a front point and reads its genotype, shows a segmentation candidate's
 * masks and exported files, and saves screenshots.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startExplorer, appIsBuilt, type Explorer } from '../explorer/server/server.ts';
import { addSampleCandidates, writeSampleDartsRun, writeSampleRun, writeSampleSegmentationRun } from '../explorer/sample-runs.ts';
import { createRng } from '../search/util/rng.ts';
import { bruteFront, tempDb } from './explorer-helpers.ts';
import { decodeMask, type SegPreview } from '../search/contracts/seg-preview.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser;
let page: Page;
let runId: number;
let dartsId: number;
let blocksId: number;
let segId: number;
let macsId: number;
let exported: string;

before(async () => {
  if (skip) return;
  if (!appIsBuilt()) {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'explorer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'vite build failed');
  }
  db = tempDb();
  runId = writeSampleRun(db.store, { name: 'e2e-evolution', candidates: 400, seed: 11, populationSize: 40 });
  dartsId = writeSampleDartsRun(db.store, { epochs: 12 });
  blocksId = writeSampleRun(db.store, { name: 'e2e-blocks', family: 'block', candidates: 120, seed: 12 });
  segId = writeSampleSegmentationRun(db.store, { candidates: 6 });
  macsId = writeSampleRun(db.store, { name: 'e2e-macs', candidates: 60, seed: 13, objectives: ['accuracy', 'flops'] });
  exported = mkdtempSync(join(tmpdir(), 'cellscape-e2e-export-'));
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (e) => { throw e; });
  mkdirSync('test-output', { recursive: true });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
  if (exported) rmSync(exported, { recursive: true, force: true });
});

const plot = () => page.locator('[data-testid="pareto"]');

test('a run shows every candidate and the true front, on any axes', { skip }, async () => {
  await page.goto(`${explorer.url}/#/run/${runId}`);
  await page.waitForSelector(`[data-testid="pareto"][data-points="400"]`);
  const expected = bruteFront(db.store, runId, 'accuracy', 'latency_ms');
  await page.waitForFunction((n) => document.querySelector('[data-testid="pareto"]')?.getAttribute('data-front') === String(n), expected.length);
  assert.equal(await page.locator('circle.front-point').count(), expected.length);
  const shown = (await page.locator('circle.front-point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).sort((a, b) => a - b);
  assert.deepEqual(shown, expected);

  await page.selectOption('[data-testid="axis-x"]', 'params');
  const byParams = bruteFront(db.store, runId, 'accuracy', 'params');
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid="pareto"]');
    return el?.getAttribute('data-x') === 'params' && el.getAttribute('data-front') === String(n);
  }, byParams.length);
  assert.match(page.url(), /x=params/, 'the axes are in the URL');
  await page.screenshot({ path: 'test-output/explorer-run.png', fullPage: true });
});

test('clicking a front point shows its genotype in the detail', { skip }, async () => {
  const point = page.locator('circle.front-point').first();
  const id = Number(await point.getAttribute('data-id'));
  const box = (await point.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector(`[data-testid="detail"] h2:has-text("Candidate #${id}")`);
  const text = await page.locator('[data-testid="detail"] [data-testid="genotype"]').textContent();
  assert.deepEqual(JSON.parse(text!), db.store.getCandidate(id)!.genotype);
  assert.equal(await page.locator('[data-testid="detail"] [data-family="cell"] svg').count(), 2, 'normal and reduction cells drawn');
  assert.match(page.url(), new RegExp(`pick=${id}`));
  await page.screenshot({ path: 'test-output/explorer-pick.png', fullPage: true });
});

test('brushing selects the points inside the box and filters the table', { skip }, async () => {
  await page.getByRole('button', { name: 'Select', exact: true }).click();
  const box = (await page.locator('[data-testid="pareto"] rect.overlay').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.9, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="pareto"]')?.getAttribute('data-selected')) > 0);
  const selected = Number(await plot().getAttribute('data-selected'));
  assert.ok(selected < 400, 'a box smaller than the plot leaves some points out');
  assert.equal(Number(await page.locator('[data-testid="candidates"]').getAttribute('data-rows')), selected);
  assert.match(page.url(), /box=params/);
  await page.getByRole('button', { name: /Clear selection/ }).click();
  await page.getByRole('button', { name: 'Pan / zoom', exact: true }).click();
  await page.waitForSelector('[data-testid="pareto"][data-selected="0"]');
});

test('a candidate stored while the run is open appears on the plot', { skip }, async () => {
  const [added] = addSampleCandidates(db.store, runId, 1, createRng(5));
  await page.waitForSelector('[data-testid="pareto"][data-points="401"]', { timeout: 5000 });
  await page.waitForSelector(`[data-testid="candidates"][data-rows="401"]`);
  assert.ok(added > 0);
});

test('a DARTS run shows its weights heatmap and derived genotype', { skip }, async () => {
  await page.goto(`${explorer.url}/#/run/${dartsId}`);
  await page.waitForSelector('[data-testid="darts"] svg rect');
  // 14 edges × 12 epochs of weights in the heatmap.
  assert.equal(await page.locator('[data-testid="darts"] .heat svg rect').count(), 14 * 12);
  // The entropy chart plots each epoch's mean edge entropy of the normal cell's stored weights.
  const entropy = (w: number[]): number => w.reduce((h, p) => (p > 0 ? h - p * Math.log(p) : h), 0);
  const expected = db.store.listArchSnapshots(dartsId, 'normal').map((s) => (s.weights.edges.reduce((t, e) => t + entropy(e.weights), 0) / s.weights.edges.length).toFixed(4));
  assert.deepEqual((await page.locator('[data-testid="darts-entropy"]').getAttribute('data-mean'))!.split(','), expected);
  assert.ok(Number(expected[11]) < Number(expected[0]), 'the sample run\'s weights separate');
  assert.equal(await page.locator('[data-testid="darts-entropy"] svg path[stroke-dasharray]').count(), 1, 'the uniform reference line');
  await page.screenshot({ path: 'test-output/explorer-darts.png', fullPage: true });
});

test('a candidate page draws a block genotype; compare overlays two fronts', { skip }, async () => {
  const id = db.store.listCandidates(blocksId, { status: 'done', limit: 1 })[0].id;
  await page.goto(`${explorer.url}/#/candidate/${id}`);
  await page.waitForSelector('[data-family="block"] svg rect');
  assert.deepEqual(JSON.parse((await page.locator('[data-testid="genotype"]').textContent())!), db.store.getCandidate(id)!.genotype);
  await page.screenshot({ path: 'test-output/explorer-candidate.png', fullPage: true });
  await page.goto(`${explorer.url}/#/compare?runs=${runId},${blocksId}&x=params&y=accuracy`);
  await page.waitForSelector('[data-testid="compare"][data-runs="2"]');
  await page.screenshot({ path: 'test-output/explorer-compare.png', fullPage: true });
});

test('compare opens on the first run\'s own cost: a run searched on MACs is drawn against MACs', { skip }, async () => {
  await page.goto(`${explorer.url}/#/compare?runs=${macsId},${runId}`);
  await page.waitForSelector('[data-testid="compare"][data-runs="2"]');
  assert.equal(await page.locator('[data-testid="compare"]').getAttribute('data-x'), 'flops');
  assert.equal(await page.locator('.panel-head label select').first().inputValue(), 'flops', 'the x axis picker shows MACs');
  assert.equal(await page.locator('[data-testid="compare"] circle').count(),
    bruteFront(db.store, macsId, 'accuracy', 'flops').length + bruteFront(db.store, runId, 'accuracy', 'flops').length);
  assert.match((await page.locator('section.panel', { hasText: 'Hypervolume' }).textContent())!, /accuracy × macs/i);
});

test('a segmentation candidate shows mIoU, pixel accuracy, its samples as masks, and its exported files', { skip }, async () => {
  const c = db.store.listCandidates(segId, { status: 'done', limit: 1 })[0];
  writeFileSync(join(exported, 'genotype.json'), JSON.stringify({ genotype: c.genotype }));
  writeFileSync(join(exported, 'model.onnx'), Buffer.alloc(64, 1));
  db.store.mergeCandidateExtra(c.id, { exports: { json: join(exported, 'genotype.json'), onnx: join(exported, 'model.onnx') } });
  await page.goto(`${explorer.url}/#/candidate/${c.id}`);
  await page.waitForSelector('[data-testid="seg-preview"]');
  assert.equal(await page.locator('[data-testid="seg-sample"]').count(), 3);
  // Ground truth and prediction of each sample painted on canvases.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="seg-preview"] canvas[data-painted="true"]').length === 6);
  const grey = await page.locator('[data-testid="seg-preview"] canvas').first().evaluate((el) => {
    const d = (el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 32, 32).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 0x9c && d[i + 1] === 0xa3 && d[i + 2] === 0xaf) n++;
    return n;
  });
  const preview = (c.extra as { segmentation: SegPreview }).segmentation;
  const ignored = decodeMask(preview.samples[0].truth).filter((v) => v === preview.ignoreLabel).length;
  assert.equal(grey, ignored, 'ignored pixels drawn grey');
  assert.match((await page.locator('.kv').textContent())!, /mIoU.*Pixel accuracy/s);
  assert.deepEqual(await page.locator('[data-testid="downloads"] a').allTextContents(), ['genotype.json', 'model.onnx']);
  const body = await page.evaluate(async (url) => (await fetch(url)).text(), (await page.locator('[data-testid="downloads"] a').first().getAttribute('href'))!);
  assert.deepEqual(JSON.parse(body), { genotype: c.genotype });
  await page.screenshot({ path: 'test-output/explorer-segmentation.png', fullPage: true });
});
