/**
 * The run layer's seams: common flags read before the strategy's own, every stored run of the
 * previous release read by its driver, and a DARTS run stopped while its derived genotype trains
 * on the executor resuming that job as the same candidate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../search/backend/index.ts';
import type { EvalResult } from '../search/contracts/result.ts';
import type { Executor } from '../search/executor/types.ts';
import { resumeDarts, runDarts } from '../search/run/drivers/darts.ts';
import { parseKnownFlags } from '../search/run/flags.ts';
import { driverOf } from '../search/run/registry.ts';
import { storedOf } from '../search/run/session.ts';
import { openStore } from '../search/store/store.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';

let dir: string;
before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'run-drivers-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('common flags are read out of argv wherever they stand; the rest is left, values and all, for the driver', () => {
  const schema = z.strictObject({ strategy: z.string().default('moo'), db: z.string().default('runs.db'), help: z.boolean().optional() });
  const argv = ['--epochs', '3', '--strategy', 'darts', '--no-final', '--db=x.db', '--lr', '0.1', '--help'];
  const { flags, rest } = parseKnownFlags(argv, schema, { booleans: ['help'] });
  assert.deepEqual(flags, { strategy: 'darts', db: 'x.db', help: true });
  assert.deepEqual(rest, ['--epochs', '3', '--no-final', '--lr', '0.1']);
  assert.throws(() => parseKnownFlags(['--strategy'], schema), /--strategy <value>' argument missing/);
});

test('every run of the previous release (table, proxy, DARTS, segmentation) reads back under its driver', async () => {
  const db = join(dir, 'prev.db');
  copyFileSync(new URL('./fixtures/prev-release.db', import.meta.url), db);
  const store = openStore(db);
  try {
    const runs = store.listRuns();
    assert.deepEqual([...new Set(runs.map((r) => r.strategy))].sort(), ['darts', 'moo']);
    for (const run of runs) {
      const { config, state } = storedOf(await driverOf(run.strategy), run);
      assert.equal((config as { strategy: string }).strategy, run.strategy);
      assert.ok(state !== null, `run ${run.id} has a state`);
    }
  } finally {
    store.close();
  }
});

test('a DARTS run stopped while its genotype trains resumes that job, as the same candidate', async () => {
  const space = join(dir, 'tiny.json');
  writeFileSync(space, JSON.stringify({
    name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
    cell: { ops: ['none', 'skip_connect', 'sep_conv_3x3'], nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  }));
  const store = openStore(join(dir, 'darts.db'));
  const config = dartsConfig({ space, trainImages: 8, valImages: 8, batchSize: 4, epochs: 1, augment: false, partialChannels: 1 });
  const result: EvalResult = { metrics: { accuracy: 0.4, latency_ms: 2, latency_iqr_ms: 0.1, params: 99, flops: 999, train_seconds: 1 }, backend: 'wasm', worker: 'test', epochs: [] };
  const ac = new AbortController();
  // Never answers; aborting it (Ctrl-C) is what ends the job.
  const hanging: Executor = {
    slots: 1,
    start() {
      let settle!: (o: { ok: false; kind: 'aborted'; error: string }) => void;
      queueMicrotask(() => ac.abort());
      return { done: new Promise((r) => { settle = r; }), lastBeat: () => Date.now(), abort: (kind, error) => settle({ ok: false, kind: 'aborted', error }) };
    },
    close: async () => {},
  };
  const answering: Executor = { slots: 1, start: () => ({ done: Promise.resolve({ ok: true, result, tensors: null }), lastBeat: () => Date.now(), abort: () => {} }), close: async () => {} };
  try {
    const first = await runDarts(config, store, { opLatency: () => 0.1, executor: hanging, signal: ac.signal });
    assert.equal(first.status, 'stopped');
    assert.equal(store.getRun(first.runId)!.status, 'stopped');
    const [pending] = store.listCandidates(first.runId);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.attempts, 0, 'a stopped attempt is given back');

    const second = await resumeDarts(first.runId, store, { executor: answering });
    assert.equal(second.status, 'finished');
    assert.equal(second.candidateId, pending.id);
    assert.deepEqual(store.listEpochs(first.runId, null).map((e) => e.epoch), [0], 'the search was not run again');
    const done = store.listCandidates(first.runId);
    assert.equal(done.length, 1);
    assert.equal(done[0].status, 'done');
    assert.equal(done[0].metrics.accuracy, 0.4);
    assert.equal(store.getRun(first.runId)!.status, 'finished');
  } finally {
    store.close();
  }
});
