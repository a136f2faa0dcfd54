/**
 * In Debian's Chromium (never a downloaded browser): a run whose trained candidates stored
 * zero-cost scores shows a proxy-vs-accuracy plot with Spearman's rho in the corner, for the
 * proxy chosen; a BANANAS run shows its predictor's forecasts the same way; a run without either
 * shows no such plot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { addSampleCandidates, createSampleRun, writeSampleRun } from '../explorer/sample-runs.ts';
import { rankCorrelation } from '../search/util/rank.ts';
import { createRng } from '../search/util/rng.ts';
import { openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

const skip = skipBrowser;

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser;
let page: Page;
let scoredRun: number;
let plainRun: number;
let bananasRun: number;

before(async () => {
  if (skip) return;
  db = tempDb();
  // A run whose candidates also carry a synflow score: the sample candidates' metrics plus a score that follows accuracy loosely.
  scoredRun = createSampleRun(db.store, { name: 'scored', candidates: 0 });
  const rng = createRng(3);
  const ids = addSampleCandidates(db.store, scoredRun, 40, rng);
  db.store.transaction(() => {
    for (const id of ids) {
      const c = db.store.getCandidate(id)!;
      db.store.completeCandidate(id, { metrics: { ...c.metrics, zc_synflow: Math.exp(20 * c.metrics.accuracy! + 2 * rng.normal()) }, score: c.score });
    }
  });
  plainRun = writeSampleRun(db.store, { name: 'plain', candidates: 20, seed: 4 });
  // A predictor-guided run: its first 10 candidates are random samples (no forecast), the 25 after them carry the predictor's noisy forecast.
  bananasRun = createSampleRun(db.store, { name: 'guided', candidates: 0 }, 'bananas');
  const guided = addSampleCandidates(db.store, bananasRun, 35, rng);
  db.store.transaction(() => {
    for (const id of guided.slice(10)) {
      const c = db.store.getCandidate(id)!;
      db.store.completeCandidate(id, { metrics: { ...c.metrics, predicted: c.metrics.accuracy! + 0.02 * rng.normal() }, score: c.score });
    }
  });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
  ({ browser, page } = await openChromium());
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

const rhoOf = (proxy: 'zc_synflow' | 'params') => {
  const done = db.store.listCandidates(scoredRun, { status: 'done' });
  return rankCorrelation(done.map((c) => c.metrics[proxy]!), done.map((c) => c.metrics.accuracy!));
};

test('a run with zero-cost scores plots the proxy against accuracy with its rank correlation', { skip }, async () => {
  await page.goto(`${explorer.url}/#/run/${scoredRun}`);
  await page.waitForSelector('[data-testid="proxy-scatter"][data-points="40"]');
  const shown = Number(await page.locator('[data-testid="proxy-rho"]').getAttribute('data-rho'));
  assert.ok(Math.abs(shown - rhoOf('zc_synflow')) < 1e-9, `${shown} vs ${rhoOf('zc_synflow')}`);
  assert.match((await page.locator('[data-testid="proxy-rho"]').textContent())!, new RegExp(`ρ = ${rhoOf('zc_synflow').toFixed(2)}`));
  // The parameter count, the baseline proxies are measured against, is one choice away.
  await page.selectOption('[data-testid="proxy-select"]', 'params');
  await page.waitForFunction((r) => Math.abs(Number(document.querySelector('[data-testid="proxy-rho"]')?.getAttribute('data-rho')) - r) < 1e-9, rhoOf('params'));
});

test('a BANANAS run plots its predictor\'s forecasts against accuracy, over the candidates it forecast', { skip }, async () => {
  await page.goto(`${explorer.url}/#/run/${bananasRun}`);
  await page.waitForSelector('[data-testid="proxy-scatter"][data-points="25"]');
  const forecast = db.store.listCandidates(bananasRun, { status: 'done' }).filter((c) => c.metrics.predicted !== undefined);
  const rho = rankCorrelation(forecast.map((c) => c.metrics.predicted!), forecast.map((c) => c.metrics.accuracy!));
  assert.ok(Math.abs(Number(await page.locator('[data-testid="proxy-rho"]').getAttribute('data-rho')) - rho) < 1e-9);
  assert.match((await page.locator('[data-testid="proxy-panel"] h2').textContent())!, /^Predictor vs accuracy/);
  assert.equal(await page.locator('[data-testid="proxy-select"]').inputValue(), 'predicted');
});

test('a run without zero-cost scores shows no proxy plot', { skip }, async () => {
  await page.goto(`${explorer.url}/#/run/${plainRun}`);
  await page.waitForSelector('[data-testid="pareto"][data-points="20"]');
  assert.equal(await page.locator('[data-testid="proxy-panel"]').count(), 0);
});
