/**
 * A few-shot candidate's episode on the explorer's candidate page: the API answers the stored
 * episode once, checked, as `fewshot` (a malformed one is left out), and in Debian's Chromium
 * the page shows each support with its mask, the query, its true mask and the head's answer per
 * shot count, every mask painted pixel for pixel in its class colour.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as d3 from 'd3';
import type { Browser, Page } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import type { CandidateDetail } from '../explorer/server/api-types.ts';
import type { FewShotPreview } from '../search/contracts/fewshot-preview.ts';
import { decodeMask, encodeImage, encodeMask } from '../search/contracts/seg-preview.ts';
import { openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

const H = 8, W = 8, IGNORE = 255;
/** A square of the way's class (label 1) whose corner moves with `shift`, its border ignored. */
function square(shift: number): Uint8Array {
  return Uint8Array.from({ length: H * W }, (_, i) => {
    const [y, x] = [Math.floor(i / W), i % W];
    const inside = y >= shift && y < shift + 3 && x >= shift && x < shift + 3;
    const border = y >= shift - 1 && y < shift + 4 && x >= shift - 1 && x < shift + 4;
    return inside ? 1 : border ? IGNORE : 0;
  });
}
const image = (shade: number) => encodeImage(new Uint8Array(H * W).fill(shade), 1, H, W);

const preview: FewShotPreview = {
  head: 'prototype', height: H, width: W, classNames: ['background', 'Bag'], ignoreLabel: IGNORE,
  supports: [[1, 2, 3, 4, 1].map((s) => ({ image: image(40 * s), mask: encodeMask(square(s), H, W) }))],
  query: { image: image(200), truth: encodeMask(square(2), H, W) },
  // 1 shot finds part of the object, 5 shots all of it.
  predictions: [{ shots: 1, predicted: encodeMask(square(3).map((v) => (v === 1 ? 1 : 0)), H, W) }, { shots: 5, predicted: encodeMask(square(2).map((v) => (v === 1 ? 1 : 0)), H, W) }],
};

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let good: number;
let bad: number;

before(async () => {
  db = tempDb();
  const runId = db.store.createRun({
    name: 'fewshot', strategy: 'moo', spaceName: 'seg-blocks', spaceDefinition: { family: 'block' }, spaceHash: 'h', task: 'fewshot-seg', dataset: 'scenes-objects',
    config: {}, seed: 0, backend: 'wasm', versions: {}, commandLine: 'cellscape search --task fewshot-seg (test)',
  }).id;
  [good, bad] = ['good', 'bad'].map((k) => db.store.insertCandidate(runId, { genotype: {}, key: k }).id);
  for (const [id, fewshot] of [[good, preview], [bad, { ...preview, query: { image: 'not a png', truth: '' } }]] as const) {
    db.store.markRunning(id, 'test');
    db.store.completeCandidate(id, { metrics: { fewshot_miou_1shot: 0.25, fewshot_miou_5shot: 0.5, params: 1000, flops: 2000 }, extra: { fewshot } });
  }
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

const candidate = async (id: number) => ((await (await fetch(`${explorer.url}/api/candidates/${id}`)).json()) as { candidate: CandidateDetail }).candidate;

test('the API answers a few-shot candidate\'s episode once, as fewshot, and leaves a malformed one out', async () => {
  const c = await candidate(good);
  assert.deepEqual(c.fewshot, preview);
  assert.equal((c.extra as Record<string, unknown>).fewshot, undefined, 'the episode is not sent twice');
  assert.equal(c.segmentation, null);
  assert.equal((await candidate(bad)).fewshot, null);
});

test('the candidate page shows the supports, the query and the answer at each shot count, in class colours', { skip: skipBrowser }, async () => {
  let page: Page;
  ({ browser, page } = await openChromium());
  await page.goto(`${explorer.url}/#/candidate/${good}`);
  await page.waitForSelector('[data-testid="fewshot-preview"]');
  assert.equal(await page.locator('[data-testid="fewshot-support"]').count(), 5);
  assert.deepEqual(await page.locator('[data-testid="fewshot-prediction"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-shots'))), ['1', '5']);
  assert.match((await page.locator('[data-testid="fewshot-preview"]').textContent())!, /Supports of Bag.*1-shot prototype.*5-shot prototype/s);
  // 5 support masks, the query's truth and 2 predictions.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="fewshot-preview"] canvas[data-painted="true"]').length === 8);
  const colours = async (selector: string) => page.locator(selector).evaluate((el) => {
    const d = (el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (el as HTMLCanvasElement).width, (el as HTMLCanvasElement).height).data;
    return Array.from({ length: d.length / 4 }, (_, i) => `#${[d[4 * i], d[4 * i + 1], d[4 * i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
  });
  const colourOf = (v: number) => (v === IGNORE ? '#9ca3af' : v === 0 ? '#1e293b' : d3.color(d3.schemeTableau10[0])!.formatHex());
  assert.deepEqual(await colours('[data-testid="fewshot-truth"]'), Array.from(decodeMask(preview.query.truth), colourOf));
  for (const [i, p] of preview.predictions.entries()) {
    assert.deepEqual(await colours(`[data-testid="fewshot-prediction"][data-shots="${p.shots}"]`), Array.from(decodeMask(p.predicted), colourOf), `${i}: ${p.shots}-shot answer`);
  }
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/explorer-fewshot.png', fullPage: true });
});
