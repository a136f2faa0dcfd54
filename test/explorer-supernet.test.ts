/**
 * The explorer's supernet view of a Once-for-All run: the API answers its epochs with their
 * phases, the watched subnets' accuracies epoch by epoch and the subnets specialised from it, as
 * stored (another run's specialisations and unreadable notes left out; not a supernet: 404); the
 * run page draws the phases, one curve per watched subnet and the specialised subnets on the
 * latency vs accuracy plane with their architecture. Browser: Debian's Chromium, never a downloaded one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { writeSampleRun, writeSampleSupernetRun } from '../explorer/sample-runs.ts';
import { specialisedExtraSchema, supernetEpochDataSchema } from '../search/contracts/supernet.ts';
import type { SupernetAnswer } from '../explorer/server/api-types.ts';
import { fetchJson, openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let page: Page;
let ofa: { runId: number; searches: number[] };
let other: { runId: number; searches: number[] };
let evolution: number;

before(async () => {
  db = tempDb();
  ofa = writeSampleSupernetRun(db.store, { phaseEpochs: [2, 1, 0, 3], watched: 4, specialised: [20, 35, 60], seed: 5 });
  other = writeSampleSupernetRun(db.store, { name: 'another-supernet', phaseEpochs: [1, 0, 0, 1], watched: 2, specialised: [5], seed: 6 });
  evolution = writeSampleRun(db.store, { name: 'evolution', candidates: 10, seed: 3 });
  db.store.addEvent(ofa.runId, { level: 'info', kind: 'ofa-epoch', message: 'from an older version', data: { epoch: 9, accuracy: 0.5 } });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

const json = <T>(path: string, status?: number): Promise<T> => fetchJson<T>(explorer.url, path, status);

test('the API answers a supernet run\'s epochs by phase, its watched subnets and the subnets specialised from it', async () => {
  const a = await json<SupernetAnswer>(`/api/runs/${ofa.runId}/supernet`);
  assert.equal(a.strategy, 'ofa');
  const stored = db.store.listEpochs(ofa.runId, null);
  assert.deepEqual(a.epochs.map((e) => [e.epoch, e.valAccuracy, e.genotype]), stored.map((e) => [e.epoch, e.valAccuracy, e.genotype]));
  assert.deepEqual(a.epochs.map((e) => e.phase), ['largest', 'largest', 'kernel', 'width', 'width', 'width']);

  const notes = db.store.listEventsOfKind('ofa-epoch', ofa.runId).flatMap((e) => supernetEpochDataSchema.safeParse(e.data).data ?? []);
  assert.equal(notes.length, 6, 'the unreadable note is left out');
  assert.equal(a.watched.length, 4);
  a.watched.forEach((w, i) => assert.deepEqual(w.accuracy, notes.map((n) => n.subnets[i].accuracy), w.key));

  const chosen = db.store.listEventsOfKind('specialised').filter((e) => ofa.searches.includes(e.runId)).map((e) => (e.data as { candidate: number }).candidate);
  assert.deepEqual(a.specialised.map((s) => s.candidateId), chosen, 'its own three, not the other supernet\'s');
  for (const s of a.specialised) {
    const c = db.store.getCandidate(s.candidateId)!;
    const extra = specialisedExtraSchema.parse(c.extra!.specialised);
    assert.deepEqual([s.runId, s.limit, s.measuredLatencyMs, s.testAccuracy, s.predicted, s.oneShotAccuracy, s.genotype],
      [c.runId, extra.limit, extra.measuredLatencyMs, extra.testAccuracy, c.metrics.latency_ms, c.metrics.accuracy, c.genotype]);
  }
  assert.equal((await json<SupernetAnswer>(`/api/runs/${other.runId}/supernet`)).specialised.length, 1);

  assert.match((await json<{ error: string }>(`/api/runs/${evolution}/supernet`, 404)).error, /evolution run, not a supernet/);
  await json(`/api/runs/9999/supernet`, 404);
  await json(`/api/runs/${ofa.runId}/supernet?x=1`, 400);
});

test('the run page draws the phases, the watched subnets\' curves and the specialised subnets with their architecture', { skip: skipBrowser }, async () => {
  ({ browser, page } = await openChromium());
  await page.goto(`${explorer.url}/#/run/${ofa.runId}`);
  const panel = page.locator('[data-testid="supernet"]');
  await panel.waitFor();
  assert.equal(await panel.getAttribute('data-strategy'), 'ofa');
  assert.match((await panel.locator('h2').first().textContent())!, /Once-for-All supernet training/);
  assert.equal(await page.locator('[data-testid="darts"]').count(), 0, 'no DARTS panel for a supernet run');
  // The header counts what a supernet run has: its epochs and its watched subnets' last mean, not candidates.
  const stats = (await page.locator('[data-testid="run-stats"]').textContent())!;
  const epochs = db.store.listEpochs(ofa.runId, null);
  assert.match(stats, new RegExp(`Epochs\\s*${epochs.length}\\b`));
  assert.ok(stats.includes(`${(100 * epochs.at(-1)!.valAccuracy!).toFixed(2)}%`), stats);
  assert.doesNotMatch(stats, /Candidates|Front/);
  assert.equal(await page.locator('[data-testid="supernet-phases"]').getAttribute('data-spans'), 'largest:0-1,kernel:2-2,width:3-5');
  // People count epochs from 1, as the CLI's log does ("epoch 1/6"); the store's 0-5 stay in data-spans.
  assert.deepEqual(await page.locator('[data-testid="supernet-phases"] .phase > .muted').allTextContents(), ['epochs 1–2', 'epoch 3', 'epochs 4–6']);
  await panel.getByText(`Best watched subnet at epoch ${epochs.length} of ${epochs.length}`).waitFor();
  // Every epoch chart ticks whole epochs 1..6, each once.
  const xTicks = await panel.locator('svg[aria-label$=" vs Epoch"]').evaluateAll((svgs) => svgs.map((svg) =>
    [...svg.querySelectorAll(':scope > g > g')[1].querySelectorAll('.tick text')].map((t) => t.textContent)));
  assert.equal(xTicks.length, 3, 'loss, accuracy, watched subnets');
  for (const t of xTicks) assert.deepEqual(t, epochs.map((e) => String(e.epoch + 1)));

  const a = await json<SupernetAnswer>(`/api/runs/${ofa.runId}/supernet`);
  const watched = page.locator('[data-testid="supernet-watched"]');
  assert.deepEqual((await watched.getAttribute('data-last'))!.split(','), a.watched.map((w) => w.accuracy.at(-1)!.toFixed(4)));
  assert.equal(await watched.locator('svg path[stroke-width="1.8"]').count(), 4, 'one curve per watched subnet');
  assert.match((await watched.textContent())!, /largest.*smallest.*subnet 1.*subnet 2/s);

  const specialised = page.locator('[data-testid="supernet-specialised"]');
  assert.equal(await specialised.getAttribute('data-rows'), '3');
  // Each subnet at its measured latency, joined to the lookup table's prediction for its target.
  assert.equal(await page.locator('[data-testid="specialised-plane"] circle').count(), 6);
  await specialised.locator('tbody tr').nth(2).click();
  await page.waitForSelector(`h3:has-text("#${a.specialised[2].candidateId}")`);
  assert.ok(await panel.locator('[data-family="block"] svg rect').count() > 0, 'the chosen subnet\'s blocks are drawn');
  await page.screenshot({ path: 'test-output/explorer-supernet.png', fullPage: true });
});
