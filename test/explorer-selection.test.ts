/**
 * The explorer on a Zero-Cost-PT run (`--epochs 0 --selection pt --pt-criterion jacob_cov`), made
 * for real on a tiny space: such a run stores no epoch and no alpha snapshot, only one event a
 * selection move and the selected genotype. The API answers its criterion, every move as stored
 * and the genotype (an unreadable move left out; an alpha-selected run: no selection); the runs
 * list names the criterion; the run page says what was run, draws the selected cell and shows each
 * move's scores with the op or inputs kept, where it used to say only "No evaluated candidates
 * yet". Browser: Debian's Chromium.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { writeSampleDartsRun } from '../explorer/sample-runs.ts';
import type { DartsAnswer, RunSummary } from '../explorer/server/api-types.ts';
import { initBackend } from '../search/backend/index.ts';
import { runDarts, type DartsOutcome } from '../search/run/drivers/darts.ts';
import type { DartsConfig } from '../search/strategies/darts/config.ts';
import { fetchJson, openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

type EdgeMove = { edge: number; kept: string; jacob_covWithout: Record<string, number> };
type NodeMove = { node: number; kept: number[]; jacob_covWithout: Record<string, number>[] };
type Stored = { move: number; normal: EdgeMove | NodeMove; reduce: EdgeMove | NodeMove };

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let browser: Browser | undefined;
let page: Page;
let zc: DartsOutcome;
let pt: DartsOutcome;
let alphaRun: number;
const stored = (): Stored[] => db.store.listEventsOfKind('darts-selection', zc.runId).map((e) => e.data as Stored).filter((d) => typeof d.move === 'number');

before(async () => {
  await initBackend();
  db = tempDb();
  // The tiny space of darts-pt.test.ts: 2 nodes a cell, so 5 edge moves and one node move (node 1 has three inputs).
  const space = join(dirname(db.path), 'tiny.json');
  writeFileSync(space, JSON.stringify({
    name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
    cell: { ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'], nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  }));
  zc = await runDarts({
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 0, warmupEpochs: 0, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, selection: { kind: 'pt', criterion: 'jacob_cov', valImages: 32, tuneSteps: 0 }, seed: 2,
  } as Partial<DartsConfig> as DartsConfig, db.store, { opLatency: () => 0.1, name: 'zero-cost-pt' });
  assert.equal(zc.status, 'finished');
  // DARTS-PT proper: two weight-only epochs (fixed alphas), then the moves judged by accuracy.
  pt = await runDarts({
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 2, warmupEpochs: 2, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, selection: { kind: 'pt', valImages: 32, tuneSteps: 0 }, learningRate: 0.1, seed: 1,
  } as Partial<DartsConfig> as DartsConfig, db.store, { opLatency: () => 0.1, name: 'darts-pt' });
  assert.equal(pt.status, 'finished');
  // What an older or foreign writer might leave: read past, never a 500.
  db.store.addEvent(zc.runId, { level: 'info', kind: 'darts-selection', message: 'not a move', data: { move: 'x' } });
  alphaRun = writeSampleDartsRun(db.store, { epochs: 3 });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

test('the API answers a zero-epoch selection\'s criterion, every move as stored and the selected genotype', async () => {
  const d = await fetchJson<DartsAnswer>(explorer.url, `/api/runs/${zc.runId}/darts`);
  assert.deepEqual([d.epochs, d.normal, d.reduce], [[], null, null], 'no epoch, no alpha');
  const s = d.selection!;
  assert.deepEqual([s.criterion, s.valImages, s.tuneSteps], ['jacob_cov', 32, 0]);
  assert.deepEqual(s.genotype, zc.genotype, 'the genotype the run returned');
  const moves = stored();
  assert.equal(moves.length, 6);
  assert.deepEqual(s.moves.map((m) => m.move), moves.map((m) => m.move), 'the unreadable event is left out');
  s.moves.forEach((m, i) => {
    for (const t of ['normal', 'reduce'] as const) {
      const want = moves[i][t];
      const got = m[t];
      if ('edge' in want) assert.deepEqual(got, { kind: 'edge', edge: want.edge, kept: want.kept, without: { jacob_cov: want.jacob_covWithout } }, `${t} move ${i}`);
      else assert.deepEqual(got, { kind: 'node', node: want.node, kept: want.kept, rounds: want.jacob_covWithout.map((r) => ({ jacob_cov: r })) }, `${t} move ${i}`);
    }
  });
  assert.equal((await fetchJson<DartsAnswer>(explorer.url, `/api/runs/${alphaRun}/darts`)).selection, null, 'a cell read off the alphas has no selection');
  const { runs } = await fetchJson<{ runs: RunSummary[] }>(explorer.url, '/api/runs');
  assert.deepEqual(runs.map((r) => [r.id, r.selection]).sort(), [[zc.runId, 'jacob_cov'], [pt.runId, 'accuracy'], [alphaRun, null]].sort());
});

test('the run page names the criterion, draws the selected cell and shows each move\'s scores and what it kept', { skip: skipBrowser }, async () => {
  ({ browser, page } = await openChromium());
  await page.goto(`${explorer.url}/#/`);
  const rows = page.locator('[data-testid="runs"] tbody tr');
  await rows.first().waitFor();
  assert.match((await rows.filter({ hasText: 'zero-cost-pt' }).textContent())!, /darts · pt by jacob_cov/);
  assert.doesNotMatch((await rows.filter({ hasText: 'darts-search' }).textContent())!, /pt by/);

  await page.goto(`${explorer.url}/#/run/${zc.runId}`);
  await page.getByText('darts (perturbation selection by jacob_cov) · tiny').waitFor();
  const panel = page.locator('[data-testid="darts"]');
  await panel.locator('[data-testid="selection"]').waitFor();
  assert.match((await panel.locator('.panel-head').first().textContent())!, /0 epochs; the cell selected by perturbation, judged by jacob_cov, a zero-cost proxy of the supernet \(Zero-Cost-PT\)/);
  assert.match((await page.locator('[data-testid="darts-untrained"]').textContent())!, /No epoch trained/);
  assert.equal(await page.getByText('No evaluated candidates yet').count(), 0);
  // The header says what the run has, not "Candidates 0 · Best — · Front 0".
  assert.match((await page.locator('[data-testid="run-stats"]').textContent())!, /^\s*Epochs\s*0\s*Candidates\s*none trained\s*$/);
  const sel = page.locator('[data-testid="selection"]');
  assert.deepEqual([await sel.getAttribute('data-criterion'), await sel.getAttribute('data-moves')], ['jacob_cov', '6']);

  // The selected cell as drawn: each edge's op in the genotype's order, normal cell then reduction cell.
  const drawn = await page.locator('[data-testid="darts-selected"] text.op').allTextContents();
  assert.deepEqual(drawn, [...zc.genotype!.normal, ...zc.genotype!.reduce].map(([op]) => op));

  for (const t of ['normal', 'reduce'] as const) {
    const table = page.locator(`[data-testid="selection-${t}"]`);
    const moves = stored().map((m) => m[t]);
    assert.equal(await table.locator('tbody tr').count(), moves.length, t);
    assert.equal(await table.locator('td.kept').count(), moves.filter((m) => 'edge' in m).length, `${t}: one kept op an edge`);
    for (const [k, m] of moves.entries()) {
      const row = table.locator(`tr[data-move="${k}"]`);
      if ('edge' in m) {
        assert.equal(await row.getAttribute('data-kept'), m.kept);
        // The outlined cell is the kept op's score; every candidate's score is in the row.
        assert.equal(await row.locator('td.kept').textContent(), m.jacob_covWithout[m.kept].toFixed(3), `${t} move ${k}`);
        const cells = await row.locator('td').allTextContents();
        for (const v of Object.values(m.jacob_covWithout)) assert.ok(cells.includes(v.toFixed(3)), `${t} move ${k}: ${v}`);
      } else {
        assert.equal(await row.getAttribute('data-kept'), m.kept.join(','));
        // Node 1 reads edges 2, 3, 4 (inputs 0, 1, 2): the one dropped is struck out, by its input's name.
        const dropped = Object.keys(m.jacob_covWithout[0]).map(Number).find((e) => !m.kept.includes(e))!;
        assert.equal(await row.locator('.input.dropped').textContent(), `${['cₖ₋₂', 'cₖ₋₁', '0'][dropped - 2]}: ${m.jacob_covWithout[0][dropped].toFixed(3)}`);
      }
    }
  }
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/explorer-selection.png', fullPage: true });
});

test('a trained DARTS-PT run shows its epochs, the selection\'s cell as the run\'s, and each move\'s accuracy with the loss that breaks ties', { skip: skipBrowser }, async () => {
  const d = await fetchJson<DartsAnswer>(explorer.url, `/api/runs/${pt.runId}/darts`);
  assert.equal(d.epochs.length, 2);
  assert.deepEqual(d.selection!.genotype, pt.genotype);
  const first = db.store.listEventsOfKind('darts-selection', pt.runId)[0].data as { normal: { kept: string; accuracyWithout: Record<string, number>; lossWithout: Record<string, number> } };
  const move = d.selection!.moves[0].normal;
  assert.deepEqual(move.kind === 'edge' && move.without, { accuracy: first.normal.accuracyWithout, loss: first.normal.lossWithout }, 'both figures the move stored');

  ({ browser, page } = browser ? { browser, page } : await openChromium());
  await page.goto(`${explorer.url}/#/run/${pt.runId}`);
  await page.locator('[data-testid="selection"][data-criterion="accuracy"]').waitFor();
  assert.match((await page.locator('[data-testid="darts"] .panel-head').first().textContent())!, /2 epochs; the cell selected by perturbation, judged by validation accuracy of the supernet \(DARTS-PT\)/);
  assert.equal(await page.locator('[data-testid="darts-untrained"]').count(), 0);
  assert.match((await page.getByText(`Genotype read off the alphas at epoch ${d.epochs.at(-1)!.epoch + 1} of 2`).locator('..').textContent())!, /not the run's cell/);
  const drawn = await page.locator('[data-testid="darts-selected"] text.op').allTextContents();
  assert.deepEqual(drawn, [...pt.genotype!.normal, ...pt.genotype!.reduce].map(([op]) => op));
  const kept = page.locator('[data-testid="selection-normal"] tr[data-move="0"] td.kept');
  const k = first.normal.kept;
  assert.equal(await kept.textContent(), `${(100 * first.normal.accuracyWithout[k]).toFixed(1)}%`);
  assert.match((await kept.getAttribute('title'))!, new RegExp(`loss ${first.normal.lossWithout[k].toFixed(3)}$`));
  await page.screenshot({ path: 'test-output/explorer-selection-pt.png', fullPage: true });
});
