/**
 * The explorer's axes and epoch numbers on a short run, as reviewers met them: a 2-epoch DARTS
 * run's epoch axes ticked "0 0 0 1 1 1", a flat accuracy axis read "3% 3% 3%", the panel said "2
 * epochs" while the slider ended at "epoch 1", and a run that trains no candidate (no final
 * training) headed its page "Candidates 0 · Best — · Front 0". The tick helpers are checked as
 * pure functions; the pages on a tiny DARTS run trained for real (2 epochs, no final training)
 * and a sample evolution run, in Debian's Chromium.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as d3 from 'd3';
import type { Browser, Locator, Page } from 'playwright-core';
import { fixedTicks, integerTicks, percentTicks, tickLabels } from '../explorer/app/lib/scales.ts';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { writeSampleRun } from '../explorer/sample-runs.ts';
import { initBackend } from '../search/backend/index.ts';
import { runDarts, type DartsOutcome } from '../search/run/drivers/darts.ts';
import type { DartsConfig } from '../search/strategies/darts/config.ts';
import { openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';
import { writeTinyCell } from './tiny-cell.ts';

const distinct = (xs: string[]) => new Set(xs).size === xs.length;

test('integer ticks: whole numbers only, none twice, every one of a short range', () => {
  for (const [domain, count] of [[[0, 1], 5], [[1, 2], 6], [[0, 3], 10], [[1, 7], 4], [[0, 120], 5], [[2, 2], 5]] as [number[], number][]) {
    const t = integerTicks(domain, count);
    assert.ok(t.length > 0, `${domain}`);
    assert.ok(t.every(Number.isInteger), `${domain}: ${t}`);
    assert.ok(distinct(t.map(String)), `${domain}: ${t}`);
    assert.ok(t.every((v) => v >= Math.min(...domain) && v <= Math.max(...domain)), `${domain}: ${t}`);
    // While d3 ticks finer than 1, every integer of the range is a tick.
    if (d3.tickStep(domain[0], domain[1], count) < 1) assert.deepEqual(t, d3.range(Math.ceil(domain[0]), Math.floor(domain[1]) + 1), `${domain}`);
  }
  // Reversed domains (a y axis) tick the same integers.
  assert.deepEqual(integerTicks([3, 0], 10), integerTicks([0, 3], 10));
});

test('percent and fixed tick labels take the decimals their ticks need, and no more', () => {
  // A flat curve at 3%: the padded domain LineChart draws ticks a tenth of a percent apart.
  for (const [lo, hi, count] of [[0.0282, 0.0318, 5], [0.09, 0.13, 5], [0.5, 0.50004, 5], [0.1, 0.9, 5]]) {
    const ticks = d3.scaleLinear().domain([lo, hi]).nice().ticks(count);
    const labels = ticks.map((v) => percentTicks()(v, ticks));
    assert.ok(distinct(labels), `${lo}–${hi}: ${labels}`);
    // Each label is its tick, rounded to the decimals it shows.
    labels.forEach((l, i) => assert.equal(l, `${(100 * ticks[i]).toFixed(/\.(\d+)%$/.exec(l)?.[1].length ?? 0)}%`));
  }
  // A wide axis keeps whole percents; softmax weights keep two decimals until the ticks are closer.
  const wide = d3.ticks(0.1, 0.9, 5);
  assert.ok(wide.map((v) => percentTicks()(v, wide)).every((l) => /^\d+%$/.test(l)));
  assert.deepEqual(wide.map((v) => fixedTicks(2)(v, wide)), wide.map((v) => v.toFixed(2)));
  const uniform = d3.scaleLinear().domain([0.1246, 0.1254]).nice().ticks(5);
  assert.ok(distinct(uniform.map((v) => fixedTicks(2)(v, uniform))), `${uniform}`);
  // One tick, or none: the minimum.
  assert.equal(percentTicks(1)(0.03, [0.03]), '3.0%');
});

test('tick labels: a format that repeats itself leaves the repeat blank', () => {
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  assert.deepEqual(tickLabels(ticks, d3.format('d')), ['0', '', '', '1', '', '']);
  assert.deepEqual(tickLabels(ticks, (v) => v.toFixed(1)), ticks.map((v) => v.toFixed(1)));
  // The format sees every tick of the axis.
  assert.deepEqual(tickLabels([0.029, 0.03, 0.031], percentTicks()), ['2.9%', '3.0%', '3.1%']);
});

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let page: Page;
let darts: DartsOutcome;
let evolution: number;

before(async () => {
  await initBackend();
  db = tempDb();
  // Two epochs on the tiny cell space and no final training (--no-final): a cell, no candidate.
  const space = writeTinyCell(dirname(db.path));
  darts = await runDarts({
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 2, warmupEpochs: 0, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, learningRate: 0.1, seed: 3,
  } as Partial<DartsConfig> as DartsConfig, db.store, { opLatency: () => 0.1, name: 'short-darts' });
  assert.equal(darts.status, 'finished');
  assert.equal(db.store.listCandidates(darts.runId, {}).length, 0, 'no final training, no candidate');
  evolution = writeSampleRun(db.store, { name: 'three', candidates: 3 });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

/** Every line chart on the x quantity `x` within `where`: its x and y tick labels as drawn (the x axis is the group moved to the bottom). */
async function axes(where: Locator, x: string): Promise<{ name: string; x: string[]; y: string[] }[]> {
  // No named function inside: tsx would wrap it in a helper the page does not have.
  return where.locator(`svg[aria-label$=" vs ${x}"]`).evaluateAll((svgs) => svgs.map((svg) => {
    const [gy, gx] = [...svg.querySelectorAll(':scope > g > g')].map((g) => [...g.querySelectorAll('.tick text')].map((t) => t.textContent ?? ''));
    return { name: svg.getAttribute('aria-label') ?? '', x: gx, y: gy };
  }));
}

test('a 2-epoch DARTS run without final training: epochs 1 and 2 everywhere, distinct tick labels, no candidate stats', { skip: skipBrowser }, async () => {
  const stored = db.store.listEpochs(darts.runId, null).map((e) => e.epoch);
  assert.deepEqual(stored, [0, 1], 'the store keeps epochs from 0');
  ({ browser, page } = await openChromium());
  await page.goto(`${explorer.url}/#/run/${darts.runId}`);
  const panel = page.locator('[data-testid="darts"]');
  await panel.locator('svg[aria-label$=" vs Epoch"]').first().waitFor();

  const charts = await axes(panel, 'Epoch');
  // Loss, accuracy, one edge's weights, entropy.
  assert.equal(charts.length, 4, charts.map((c) => c.name).join(', '));
  for (const c of charts) {
    assert.deepEqual(c.x, ['1', '2'], `${c.name}: epoch ticks`);
    assert.ok(c.y.length >= 2 && c.y.every((l) => l !== '') && distinct(c.y), `${c.name}: ${c.y.join(' ')}`);
  }
  const acc = charts.find((c) => c.name.startsWith('Accuracy'))!;
  assert.ok(acc.y.every((l) => /^\d+(\.\d+)?%$/.test(l)), acc.y.join(' '));
  // The heatmap's columns and the genotype slider count as the CLI's log does ("epoch 2/2").
  assert.deepEqual((await panel.locator('.heat text.tick').allTextContents()).filter((t) => t !== 'epoch'), ['1', '2']);
  assert.match((await panel.locator('.heat rect title').last().textContent())!, /, epoch 2 — /);
  assert.match((await panel.locator('.panel-head').first().textContent())!, /2 epochs/);
  await panel.getByText('Derived genotype at epoch 2 of 2').waitFor();
  await panel.getByRole('slider', { name: 'epoch' }).fill('0');
  await panel.getByText('Derived genotype at epoch 1 of 2').waitFor();

  // The header: the epochs and that no candidate was trained, not "Candidates 0 · Best — · Front 0".
  const stats = (await page.locator('[data-testid="run-stats"]').textContent())!;
  assert.match(stats, /Epochs\s*2/);
  assert.match((await page.locator('[data-testid="no-candidates"]').textContent())!, /Candidates\s*none trained/);
  assert.doesNotMatch(stats, /Best|Front|—/);
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/explorer-axes-darts.png', fullPage: true });
});

test('a 3-candidate run keeps its candidate stats, ticks its progress by whole candidates and counts its candidate\'s epochs from 1', { skip: skipBrowser }, async () => {
  ({ browser, page } = browser ? { browser, page } : await openChromium());
  await page.goto(`${explorer.url}/#/run/${evolution}`);
  const stats = page.locator('[data-testid="run-stats"]');
  await stats.getByText('Front').waitFor();
  assert.match((await stats.textContent())!, /Candidates\s*3\b.*Best.*Front/s);
  assert.equal(await page.locator('[data-testid="no-candidates"]').count(), 0);
  await page.locator('svg[aria-label$=" vs Candidates evaluated"]').first().waitFor();
  const progress = await axes(page.locator('body'), 'Candidates evaluated');
  assert.equal(progress.length, 2, 'best and hypervolume');
  for (const c of progress) {
    const shown = c.x.filter((l) => l !== '');
    assert.ok(shown.length >= 2 && shown.every((l) => /^\d+$/.test(l)) && distinct(shown), `${c.name}: ${c.x.join(' ')}`);
  }

  const first = db.store.listCandidates(evolution, {})[0].id;
  const stored = db.store.listEpochs(evolution, first).map((e) => e.epoch);
  await page.goto(`${explorer.url}/#/candidate/${first}`);
  await page.locator('svg[aria-label$=" vs Epoch"]').waitFor();
  const [curve] = await axes(page.locator('body'), 'Epoch');
  assert.deepEqual(curve.x, stored.map((e) => String(e + 1)));
  assert.deepEqual(await page.locator('table.data tbody tr td:first-child').allTextContents(), stored.map((e) => String(e + 1)));
});
