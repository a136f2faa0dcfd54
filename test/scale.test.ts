/**
 * `cellscape scale` end to end at a tiny size: a two-candidate search on a tiny block space, then
 * the compound grid at phi = 1 and the family at phi = 1..2 of one candidate, trained as stored
 * candidates; the explorer answers and draws the family as a line from the source. Expected
 * figures are read back from the store; the arithmetic is checked in space-scaling.test.ts.
 * Browser: Debian's Chromium, never a downloaded one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import type { OverlaysAnswer } from '../explorer/server/api-types.ts';
import { SCALED_FAMILY_EVENT, scaledFamilyDataSchema } from '../search/contracts/scaling.ts';
import { scaleBlockGenotype } from '../search/space/scaling.ts';
import type { BlockGenotype } from '../search/space/types.ts';
import { cellscapeInProcess } from './cli-in-process.ts';
import { openChromium, skipBrowser, tempDb } from './explorer-helpers.ts';

const TINY = {
  name: 'tiny-blocks', family: 'block', task: 'classification', input: { shape: [28, 28, 1], classes: 10 }, stem: { width: 8, stride: 2 },
  stages: [
    { stride: 2, depth: [1, 2], width: { base: 8, multipliers: [1, 2] }, ops: [{ op: 'conv', kernel: [3] }, { op: 'mbconv', kernel: [3], expand: [1, 3] }] },
    { stride: 2, depth: [1, 2], width: { base: 16, multipliers: [1] }, ops: [{ op: 'mbconv', kernel: [3], expand: [3] }] },
  ],
};
const BUDGET = ['--epochs', '1', '--train-images', '32', '--val-images', '32', '--workers', '1'];

let db: ReturnType<typeof tempDb>;
let explorer: Explorer | undefined;
let browser: Browser | undefined;
const SOURCE_RUN = 1;
const SOURCE = 1;
const scaleArgs = () => ['scale', String(SOURCE_RUN), '--candidate', String(SOURCE), '--phi', '2', '--alphas', '1.2', '--betas', '1.1,1.2', ...BUDGET, '--db', db.path];

before(async () => {
  db = tempDb();
  const space = join(dirname(db.path), 'tiny.json');
  writeFileSync(space, JSON.stringify(TINY));
  const r = await cellscapeInProcess(['search', '--space', space, '--strategy', 'random', '--budget', '2', ...BUDGET, '--latency-runtime', 'none', '--zc', 'none', '--db', db.path]);
  assert.equal(r.code, 0, r.err);
});

after(async () => {
  await browser?.close();
  await explorer?.close();
  db?.cleanup();
});

const family = () => scaledFamilyDataSchema.parse(db.store.listEventsOfKind(SCALED_FAMILY_EVENT)[0].data);

test('scale trains the grid at phi = 1, keeps the best, trains its family, and continues without training again', async () => {
  const r = await cellscapeInProcess(scaleArgs());
  assert.equal(r.code, 0, r.err);
  const data = family();
  assert.equal(data.label, 'compound');
  assert.deepEqual(data.grid.map((g) => [g.alpha, g.beta, g.gamma]), [[1.2, 1.1, 1.174], [1.2, 1.2, 1.076]]);
  // Each grid point's figure is its stored candidate's accuracy, and the family's coefficients are the best one's.
  const acc = (id: number | null) => db.store.getCandidate(id!)!.metrics.accuracy!;
  for (const g of data.grid) assert.equal(g.quality, acc(g.candidate));
  const best = data.grid.reduce((a, b) => (b.quality! > a.quality! ? b : a));
  assert.deepEqual([data.alpha, data.beta, data.gamma], [best.alpha, best.beta, best.gamma]);
  assert.equal(data.members[0].candidate, best.candidate, 'phi 1 of the family is its grid point, not trained twice');
  // Members are the source scaled, at the side of the data set (Fashion-MNIST: 28).
  const source = db.store.getCandidate(SOURCE)!;
  for (const m of data.members) {
    assert.deepEqual(db.store.getCandidate(m.candidate!)!.genotype, scaleBlockGenotype(source.genotype as BlockGenotype, 28, data, m.phi));
  }
  const flops = [source.id, ...data.members.map((m) => m.candidate!)].map((id) => db.store.getCandidate(id)!.metrics.flops!);
  assert.ok(flops[1] > 1.4 * flops[0] && flops[2] > 1.4 * flops[1], `MACs grow with phi: ${flops.join(', ')}`);

  const runs = db.store.listRuns().length;
  const again = await cellscapeInProcess(scaleArgs());
  assert.equal(again.code, 0, again.err);
  assert.equal(db.store.listRuns().length, runs, 'nothing left to train: no new run');
  assert.equal(db.store.listEventsOfKind(SCALED_FAMILY_EVENT).length, 1, 'the same family is stored once');

  const bad = await cellscapeInProcess(['scale', '1', '--candidate', '999', '--db', db.path]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--candidate 999: not a candidate of run 1/);
});

test('the explorer answers the family from its source and draws it as a line on the source run\'s plot', { skip: skipBrowser }, async () => {
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
  const { families } = (await (await fetch(`${explorer.url}/api/runs/${SOURCE_RUN}/overlays`)).json()) as OverlaysAnswer;
  const data = family();
  assert.equal(families.length, 1);
  assert.deepEqual(families[0].points.map((p) => [p.phi, p.candidateId]), [[0, SOURCE], ...data.members.map((m) => [m.phi, m.candidate])]);
  assert.deepEqual(((await (await fetch(`${explorer.url}/api/runs/${families[0].runId}/overlays`)).json()) as OverlaysAnswer).families, [], 'drawn on its source run only');

  const opened = await openChromium();
  browser = opened.browser;
  const { page } = opened;
  await page.goto(`${explorer.url}/#/run/${SOURCE_RUN}?x=flops&y=accuracy`);
  const line = page.locator('[data-testid="scaled-family"]');
  await line.waitFor();
  assert.equal(await line.getAttribute('data-label'), 'compound');
  const points = await line.locator('circle.family-point').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-phi')), Number(e.getAttribute('data-id')), Number(e.getAttribute('data-x')), Number(e.getAttribute('data-y'))]));
  assert.deepEqual(points, families[0].points.map((p) => {
    const c = db.store.getCandidate(p.candidateId)!;
    return [p.phi, c.id, c.metrics.flops, c.metrics.accuracy];
  }));
  await page.screenshot({ path: 'test-output/explorer-scaled-family.png', fullPage: true });
});
