/**
 * The explorer's fidelity views over stored events: a search's check of its evaluator beside its
 * front (a warning when the ranking disagrees with the longer training), and every `cellscape
 * fidelity --table` measurement as a table and a rho-vs-seconds scatter. The checks are stored as
 * checkFidelity stores them (checkData), the measurements in the contract's shape; the API and the
 * page must show those stored figures. Browser: Debian's Chromium, never a downloaded one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startExplorer, appIsBuilt, type Explorer } from '../explorer/server/server.ts';
import { writeSampleRun } from '../explorer/sample-runs.ts';
import { checkData, checkedCandidates } from '../search/reference/check.ts';
import { fidelityOf } from '../search/reference/fidelity.ts';
import { frontOf } from '../search/run/report.ts';
import { fidelityCheckDataSchema, fidelityTableDataSchema, type FidelityTableData } from '../search/contracts/fidelity.ts';
import type { FidelityAnswer, FidelityChecksAnswer } from '../explorer/server/api-types.ts';
import { fetchJson, tempDb } from './explorer-helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skipBrowser = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let page: Page;
let agreeing: number;
let disagreeing: number;
let unchecked: number;
let weak: number;

const budget = { epochs: 2, trainImages: 10000, valImages: 2000, batchSize: 64, learningRate: 0.1 };

// A reordering of 8 whose Spearman with the identity is 0.595, above the warning line, but whose
// 90 % bootstrap interval reaches below 0: a check too small to tell from chance.
const WEAK_ORDER = [0, 1, 2, 5, 7, 6, 4, 3];

/** Stores a check of 8 of the run's candidates whose longer training keeps the search's order, reverses it, or keeps it weakly. */
function storeCheck(runId: number, agree: boolean | 'weakly'): void {
  const done = db.store.listCandidates(runId, { status: 'done' });
  const front = frontOf(done, ['accuracy', 'latency_ms']);
  const chosen = checkedCandidates(front, done, 8, 1);
  const rank = new Map([...chosen].sort((a, b) => a.metrics.accuracy! - b.metrics.accuracy!).map((c, i) => [c.key, i]));
  const longer = (c: (typeof chosen)[number]) => (agree === 'weakly' ? 0.8 + WEAK_ORDER[rank.get(c.key)!] / 100 : agree ? 0.5 + c.metrics.accuracy! / 3 : 1 - c.metrics.accuracy!);
  const results = new Map(chosen.map((c) => [c.key, { score: longer(c), seconds: 40 }]));
  const { data } = checkData(chosen, Math.min(8, front.length), 'accuracy', results, 99, budget);
  db.store.addEvent(runId, { level: 'info', kind: 'fidelity-check', message: 'check', data });
}

/** A `cellscape fidelity --table` measurement of an evaluator with a given rank agreement, on a list run of its own. */
function storeMeasurement(evaluator: FidelityTableData['evaluator'], epochs: number, noise: number, seconds: number): void {
  const runId = writeSampleRun(db.store, { name: `fidelity ${evaluator.kind} ${epochs}`, candidates: 3, seed: epochs });
  const keys = Array.from({ length: 20 }, (_, i) => `a${i}`);
  const reference = new Map(keys.map((k, i) => [k, i / 20]));
  // Each architecture's score: its reference accuracy, moved by a deterministic amount scaled by noise.
  const result = fidelityOf(reference, keys.map((k, i) => ({ key: k, score: i / 20 + noise * Math.sin(i * 7.3), seconds })));
  const data: FidelityTableData = {
    ...result, reference: '/somewhere/bench/tables/darts-fmnist-small.jsonl', referenceRows: 20, referenceSha256: 'ab',
    evaluator, proxy: { epochs, trainImages: 2000, valImages: 1000, batchSize: 64, learningRate: 0.1 },
  };
  db.store.addEvent(runId, { level: 'info', kind: 'fidelity', message: 'measured', data });
}

before(async () => {
  db = tempDb();
  agreeing = writeSampleRun(db.store, { name: 'checked-agrees', candidates: 60, seed: 21 });
  disagreeing = writeSampleRun(db.store, { name: 'checked-disagrees', candidates: 60, seed: 22 });
  unchecked = writeSampleRun(db.store, { name: 'unchecked', candidates: 30, seed: 23 });
  weak = writeSampleRun(db.store, { name: 'checked-weakly', candidates: 30, seed: 24 });
  storeCheck(agreeing, true);
  storeCheck(disagreeing, false);
  storeCheck(weak, 'weakly');
  storeMeasurement({ kind: 'proxy' }, 1, 0.15, 10);
  storeMeasurement({ kind: 'proxy' }, 4, 0.04, 38);
  storeMeasurement({ kind: 'zero-cost', proxy: 'synflow' }, 1, 0.6, 0.4);
  db.store.addEvent(unchecked, { level: 'info', kind: 'fidelity', message: 'from an older version', data: { rho: 0.3 } });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

const json = <T>(path: string, status?: number): Promise<T> => fetchJson<T>(explorer.url, path, status);

const storedCheck = (runId: number) => fidelityCheckDataSchema.parse(db.store.listEventsOfKind('fidelity-check', runId)[0].data);

test('the API answers a run\'s stored checks and every stored measurement, leaving out what it cannot read', async () => {
  const a = await json<FidelityChecksAnswer>(`/api/runs/${agreeing}/fidelity-check`);
  assert.equal(a.checks.length, 1);
  const stored = storedCheck(agreeing);
  assert.deepEqual({ ...a.checks[0], eventId: undefined, at: undefined }, { ...stored, eventId: undefined, at: undefined });
  assert.equal(stored.spearman, 1, 'a longer training that keeps the order');
  assert.equal(storedCheck(disagreeing).spearman, -1);
  const w = storedCheck(weak);
  assert.ok(w.spearman! >= 0.5 && w.spearmanLo! <= 0 && w.spearmanHi! >= w.spearman!, `a weak check: ${JSON.stringify([w.spearman, w.spearmanLo, w.spearmanHi])}`);
  assert.equal(stored.spearmanLo, 1, 'every resample of a kept order keeps it');
  assert.deepEqual((await json<FidelityChecksAnswer>(`/api/runs/${unchecked}/fidelity-check`)).checks, []);
  await json(`/api/runs/9999/fidelity-check`, 404);
  await json(`/api/runs/${agreeing}/fidelity-check?x=1`, 400);

  const f = await json<FidelityAnswer>('/api/fidelity');
  const events = db.store.listEventsOfKind('fidelity');
  assert.equal(f.unreadable, 1);
  assert.equal(f.results.length, events.length - 1);
  for (const r of f.results) {
    const d = fidelityTableDataSchema.parse(events.find((e) => e.id === r.eventId)!.data);
    assert.deepEqual([r.n, r.spearman, r.spearmanLo, r.spearmanHi, r.kendall, r.top10, r.secondsPerCandidate], [d.n, d.spearman, d.spearmanLo, d.spearmanHi, d.kendall, d.top10, d.secondsPerCandidate]);
    assert.ok(r.spearmanLo! <= r.spearman! && r.spearman! <= r.spearmanHi!);
    assert.equal(r.reference, 'darts-fmnist-small.jsonl');
  }
  assert.deepEqual(f.results.map((r) => r.evaluator), ['proxy', 'proxy', 'zc:synflow']);
  assert.deepEqual(f.results.map((r) => r.budget?.epochs ?? null), [1, 4, null], 'a training budget only for a training evaluator');
});

async function openBrowser(): Promise<void> {
  if (!appIsBuilt()) {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'explorer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'vite build failed');
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (e) => { throw e; });
}

test('the run page shows the stored check beside the front, and warns when it disagrees or is too small to tell from chance', { skip: skipBrowser }, async () => {
  await openBrowser();
  for (const runId of [agreeing, weak, disagreeing]) {
    const stored = storedCheck(runId);
    await page.goto(`${explorer.url}/#/run/${runId}`);
    const panel = page.locator('[data-testid="fidelity-check"]');
    await panel.waitFor();
    assert.equal(Number(await panel.getAttribute('data-spearman')), stored.spearman);
    assert.equal(Number(await panel.getAttribute('data-n')), stored.n);
    assert.equal(await panel.locator('[data-testid="check-spearman"]').textContent(), stored.spearman!.toFixed(3));
    assert.equal(await panel.locator('[data-testid="check-kendall"]').textContent(), stored.kendall!.toFixed(3));
    assert.equal(await panel.locator('[data-testid="check-top10"]').textContent(), `${Math.round(stored.top10! * 100)} %`);
    assert.match((await panel.locator('[data-testid="check-budget"]').textContent())!, new RegExp(`${stored.budget.epochs} epochs × ${stored.budget.trainImages.toLocaleString('en-US')} images`));
    const low = stored.spearman! < 0.5;
    assert.equal(await panel.getByRole('alert').count(), low ? 1 : 0);
    if (low) assert.match((await panel.getByRole('alert').textContent())!, /your evaluator's ranking disagrees with a longer training/);
    assert.equal(await panel.locator('[data-testid="check-interval"]').textContent(), `(90 %: ${stored.spearmanLo!.toFixed(2)} to ${stored.spearmanHi!.toFixed(2)})`);
    assert.equal(await panel.locator('[data-testid="check-chance"]').count(), runId === weak ? 1 : 0, 'the caution only where the ranking passes but its interval reaches 0');
    assert.equal(await panel.locator('.badge').textContent(), low ? 'low' : runId === weak ? 'weak' : 'ok');
    // Every checked pair is a point at its stored scores.
    const points = await panel.locator('circle.point').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-id')), Number(e.getAttribute('data-x')), Number(e.getAttribute('data-y'))]));
    assert.deepEqual(points.sort((p, q) => p[0] - q[0]), stored.pairs!.map((p) => [p.id, p.score, p.check]).sort((p, q) => p[0] - q[0]));
    await page.screenshot({ path: `test-output/explorer-fidelity-check-${runId === weak ? 'weak' : low ? 'low' : 'ok'}.png`, fullPage: true });
  }
  // A checked candidate clicked in the check's scatter opens in the detail.
  const first = storedCheck(disagreeing).pairs![0].id;
  await page.locator(`[data-testid="check-scatter"] circle[data-id="${first}"]`).click();
  await page.waitForSelector(`[data-testid="detail"] h2:has-text("Candidate #${first}")`);

  await page.goto(`${explorer.url}/#/run/${unchecked}`);
  await page.waitForSelector('[data-testid="pareto"]');
  assert.equal(await page.locator('[data-testid="fidelity-check"]').count(), 0, 'no panel for a run without a check');
  // A check stored while the page is open (it ends after its search has finished) appears without a reload.
  storeCheck(unchecked, true);
  const live = page.locator('[data-testid="fidelity-check"]');
  await live.waitFor({ timeout: 15_000 });
  assert.equal(Number(await live.getAttribute('data-spearman')), storedCheck(unchecked).spearman);
});

test('the fidelity page tables every stored measurement and plots rho against seconds a candidate', { skip: skipBrowser }, async () => {
  await page.goto(`${explorer.url}/#/fidelity`);
  const answer = await json<FidelityAnswer>('/api/fidelity');
  const table = page.locator('[data-testid="fidelity-table"]');
  await table.waitFor();
  assert.equal(Number(await table.getAttribute('data-rows')), answer.results.length);
  for (const r of answer.results) {
    const row = table.locator(`tr[data-event="${r.eventId}"]`);
    assert.equal(await row.locator('td.rho').textContent(), r.spearman!.toFixed(3));
    assert.equal(await row.locator('td.interval').textContent(), `${r.spearmanLo!.toFixed(2)} to ${r.spearmanHi!.toFixed(2)}`);
    assert.equal(await row.locator('td.interval').evaluate((el) => el.classList.contains('chance')), r.spearmanLo! <= 0);
    assert.equal(await row.evaluate((el) => el.classList.contains('low')), r.spearman! < answer.lowBelow);
  }
  const points = await page.locator('[data-testid="fidelity-scatter"] circle.point')
    .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-id')), Number(e.getAttribute('data-x')), Number(e.getAttribute('data-y'))]));
  assert.deepEqual(points.sort((p, q) => p[0] - q[0]), answer.results.map((r) => [r.eventId, r.secondsPerCandidate, r.spearman]).sort((p, q) => p[0]! - q[0]!));
  assert.ok(answer.results.some((r) => r.spearman! < answer.lowBelow) && answer.results.some((r) => r.spearman! >= answer.lowBelow), 'both sides of the line are shown');
  await page.screenshot({ path: 'test-output/explorer-fidelity.png', fullPage: true });
});
