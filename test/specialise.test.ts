/**
 * `cellscape specialise` on a Once-for-All supernet of a tiny block space: each target gets its
 * own evolution run on the one-shot evaluator, the runs sharing one pool and each subnet's score
 * (test/shared-results.test.ts holds the sharing to the unshared searches); the best subnet meeting a target is exported with
 * inherited weights (genotype.json that reads back, TF.js, ONNX checked in onnxruntime)
 * and registered with its candidate; a target no candidate meets is reported, not exported, and
 * a latency target without a lookup table is refused naming the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGenotypeExport } from '../search/export/genotype-json.ts';
import { openStore } from '../search/store/store.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyBlocks } from './tiny-blocks.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir('specialise-');
const space = writeTinyBlocks(dir);
const db = join(dir, 'runs.db');
const cellscape = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });

test('specialise exports the best subnet under each target with inherited weights', () => {
  const trained = cellscape(['search', '--strategy', 'ofa', '--space', space, '--phase-epochs', '0,0,0,1', '--train-images', '32', '--batch-size', '16', '--subnets', '0', '--db', db]);
  assert.equal(trained.status, 0, trained.stdout + trained.stderr);
  const out = join(dir, 'out');
  const r = cellscape(['specialise', '--supernet', '1', '--max-params', '1000000,100,2000000', '--budget', '2', '--population', '2', '--sample', '1',
    '--val-images', '32', '--test-images', '32', '--fine-tune', '1', '--fine-tune-lr', '0.05', '--train-images', '32', '--format', 'json,tfjs,onnx', '--out', out, '--db', db]);
  // One target has no subnet (100 parameters): the command says so and exits 1 after exporting the others.
  // The third (2,000,000) chooses the first's subnet, which is registered, not exported again.
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\| 100 params \| 3 \| none of its 2 candidates met it/);
  const exported = join(out, 'params-1000000');
  for (const f of ['genotype.json', 'model.json', 'model.onnx']) assert.ok(existsSync(join(exported, f)), f);
  assert.ok(!existsSync(join(out, 'params-100')));
  assert.ok(!existsSync(join(out, 'params-2000000')));
  assert.match(r.stdout, /2,000,000 params: candidate \d+ of run 4, the subnet 1,000,000 params exported/);
  const { doc, space: exportedSpace } = readGenotypeExport(join(exported, 'genotype.json'));
  assert.equal(exportedSpace.name, 'tiny-blocks');
  assert.ok(doc.network.params <= 1_000_000);
  // Fine-tuned as asked: one epoch on the 32 images at the given rate.
  assert.deepEqual([doc.metrics.final?.epochs, doc.metrics.final?.learningRate, doc.metrics.final?.trainImages], [1, 0.05, 32]);
  const store = openStore(db, { readonly: true });
  try {
    assert.deepEqual(store.listRuns().map((run) => run.strategy).sort(), ['evolution', 'evolution', 'evolution', 'ofa']);
    const chosen = store.listCandidates(2).filter((c) => c.extra?.specialised);
    assert.equal(chosen.length, 1);
    const s = chosen[0].extra!.specialised as { measuredLatencyMs: number; testAccuracy: number; limit: number };
    assert.equal(s.limit, 1_000_000);
    assert.ok(s.measuredLatencyMs > 0 && s.testAccuracy >= 0 && s.testAccuracy <= 1, JSON.stringify(s));
    assert.ok(chosen[0].metrics.params! <= 1_000_000);
    // The two searches share one pool's answers: both drew the same first population, so the
    // second target's search scored nothing and each of its candidates names the one it reused.
    assert.match(r.stdout, /3 targets: 6 candidates, 2 subnets scored \(4 shared between the targets' searches\)/);
    const first = store.listCandidates(2);
    const second = store.listCandidates(3);
    assert.ok(first.every((c) => !c.extra?.sharedFrom));
    assert.deepEqual(second.map((c) => c.extra?.sharedFrom), first.map((c) => ({ runId: 2, candidateId: c.id })));
    assert.deepEqual(second.map((c) => [c.key, c.metrics]), first.map((c) => [c.key, c.metrics]));
    // The third target's choice is the same subnet, registered with the first's files and figures but its own limit.
    const again = store.listCandidates(4).filter((c) => c.extra?.specialised);
    assert.deepEqual(again.map((c) => c.key), [chosen[0].key]);
    assert.deepEqual(again[0].extra!.exports, chosen[0].extra!.exports);
    assert.deepEqual(again[0].extra!.specialised, { ...s, limit: 2_000_000 });
    // The explorer's supernet view finds the exports by these events.
    assert.deepEqual(store.listEventsOfKind('specialised').map((e) => [e.runId, e.data]), [[2, { supernetRun: 1, candidate: chosen[0].id }], [4, { supernetRun: 1, candidate: again[0].id }]]);
  } finally {
    store.close();
  }

  const noLut = cellscape(['specialise', '--supernet', '1', '--latency-ms', '2', '--db', db]);
  assert.equal(noLut.status, 2);
  assert.match(noLut.stderr, /--latency-ms: needs --lut FILE/);
});
