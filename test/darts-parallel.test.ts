/**
 * DARTS trained data-parallel (--data-parallel 2, strategies/darts/parallel.ts) on tiny real
 * inputs: the workers' replicas stay equal (the search checks them at every epoch's end and
 * fails otherwise), a stopped run resumes on fresh workers to the alphas of an uninterrupted one
 * (weights, alphas and both optimizers' slots travel between the search and its workers), and the
 * option refuses what it cannot do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../search/backend/index.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { runDarts, resumeDarts } from '../search/run/drivers/darts.ts';
import type { DartsConfig } from '../search/strategies/darts/config.ts';
import { TINY_CELL } from './tiny-cell.ts';

let dir: string;
let store: Store;
let tiny: DartsConfig;
const opLatency = (key: string): number => (key.startsWith('sep_conv') ? 0.5 : 0.05);

before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'darts-dp-'));
  store = openStore(join(dir, 'runs.db'));
  const space = join(dir, 'tiny.json');
  writeFileSync(space, JSON.stringify({ ...TINY_CELL, supernet: { C: 4, layers: 3 } }));
  tiny = {
    space, trainImages: 8, valImages: 8, batchSize: 4, epochs: 2, augment: false, proxy: null, partialChannels: 2, dataParallel: 2,
    remedy: { kind: 'drnas', weight: 1e-3 }, latency: { weight: 0.2, form: 'linear' },
  } as DartsConfig;
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const lastAlphas = (runId: number): number[] => store.listArchSnapshots(runId).slice(-2).flatMap((s) => s.weights.edges.flatMap((e) => e.weights));

test('a data-parallel search on 2 workers finishes with moved alphas, and a stopped one resumes to the same alphas', async () => {
  const full = await runDarts(tiny, store, { opLatency });
  assert.equal(full.status, 'finished');
  const alphas = lastAlphas(full.runId);
  assert.ok(alphas.some((w) => Math.abs(w - 0.25) > 1e-4), 'the alphas left uniform');
  const ac = new AbortController();
  const first = await runDarts(tiny, store, { opLatency, signal: ac.signal, onEpoch: () => ac.abort() });
  assert.equal(first.status, 'stopped');
  const second = await resumeDarts(first.runId, store);
  assert.equal(second.status, 'finished');
  const b = lastAlphas(first.runId);
  const diff = Math.max(...alphas.map((x, i) => Math.abs(x - b[i])));
  assert.ok(diff < 1e-6, `largest alpha softmax difference ${diff}`);
  assert.deepEqual(second.genotype, full.genotype);
});

test('--data-parallel refuses the second order and more workers than images in a batch', async () => {
  await assert.rejects(runDarts({ ...tiny, order: 2 }, store, { opLatency }), /second-order architecture step runs in one thread/);
  await assert.rejects(runDarts({ ...tiny, dataParallel: 5 }, store, { opLatency }), /a batch of 4 cannot give every worker an image/);
});
