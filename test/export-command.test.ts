import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { openStore } from '../search/store/store.ts';
import { parseSpaceDef, spaceFromDef } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { createRng } from '../search/util/rng.ts';
import { command } from '../search/commands/export.ts';
import { buildGenotypeExport, readGenotypeExport } from '../search/export/genotype-json.ts';
import { loadExportedModel, saveTfjsModel } from '../search/export/tfjs.ts';
import { openOnnxSession, runOnnx } from '../search/onnx/session.ts';
import { UsageError } from '../search/util/errors.ts';
import { maxAbsDiff, perturbState, randomInput } from './export-fixtures.ts';

const DEF = parseSpaceDef({
  name: 'nb201-mnist-tiny', family: 'tabular-cell', input: { shape: [28, 28, 1], classes: 10 },
  cell: { ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'], nodes: 4 },
  network: { C: 4, cellsPerStage: 1 },
}, 'test');
const space = spaceFromDef(DEF);

/** A run of four done candidates: (accuracy, latency) = (0.9, 5), (0.8, 2), (0.85, 6) (dominated), (0.7, 1). */
function fixture(dir: string, weightsDir?: string): { db: string; ids: number[] } {
  const db = join(dir, 'runs.db');
  const store = openStore(db);
  const run = store.createRun({
    name: 't', strategy: 'random', spaceName: space.name, spaceDefinition: DEF, spaceHash: space.hash, task: 'classification',
    dataset: 'mnist', config: {}, seed: 7, backend: 'cpu', versions: { node: process.versions.node }, commandLine: 'cellscape search',
  });
  const rng = createRng(3);
  const ids: number[] = [];
  for (const [accuracy, latencyMs] of [[0.9, 5], [0.8, 2], [0.85, 6], [0.7, 1]]) {
    let g = space.sample(rng);
    while (ids.some((id) => store.getCandidate(id)!.key === space.key(g as never))) g = space.sample(rng);
    const { id } = store.insertCandidate(run.id, { genotype: g, key: space.key(g as never) });
    store.completeCandidate(id, { metrics: { accuracy, latency_ms: latencyMs, params: 1000 }, extra: ids.length === 0 && weightsDir ? { weightsDir } : null });
    ids.push(id);
  }
  store.close();
  return { db, ids };
}

const quiet = async (argv: string[]): Promise<number> => {
  const log = console.log;
  console.log = () => {};
  try { return await command.run(argv); } finally { console.log = log; }
};

test('json export of a Pareto front member and of the best candidate', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-export-cmd-'));
  try {
    const { db, ids } = fixture(dir);
    assert.equal(await quiet(['1', '--db', db, '--front-index', '1', '--format', 'json', '--out', join(dir, 'front1')]), 0);
    const front1 = readGenotypeExport(join(dir, 'front1', 'genotype.json')).doc;
    // The front by latency: (0.7, 1), (0.8, 2), (0.9, 5); (0.85, 6) is dominated.
    assert.equal(front1.provenance.candidateId, ids[1]);
    assert.equal(front1.metrics.search?.accuracy, 0.8);
    assert.equal(front1.provenance.run?.seed, 7);
    assert.equal(await quiet(['1', '--db', db, '--format', 'json', '--out', join(dir, 'best')]), 0);
    assert.equal(readGenotypeExport(join(dir, 'best', 'genotype.json')).doc.provenance.candidateId, ids[0]);
    await assert.rejects(quiet(['1', '--db', db, '--front-index', '3', '--format', 'json', '--out', dir]), (e: Error) => e instanceof UsageError && /has 3 members, indices 0\.\.2/.test(e.message));
    await assert.rejects(quiet(['1', '--db', db, '--format', 'pt', '--out', dir]), /unknown format 'pt'/);
    await assert.rejects(quiet(['1', '--db', db, '--best', '--candidate', '1', '--format', 'json', '--out', dir]), /at most one of/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model export reuses the weights a run kept: TF.js and ONNX give the kept network\'s outputs', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-export-cmd-'));
  try {
    const kept = join(dir, 'kept');
    const { db, ids } = fixture(dir, kept);
    const store = openStore(db, { readonly: true });
    const genotype = space.validate(store.getCandidate(ids[0])!.genotype);
    store.close();
    const net = buildNetwork(space, genotype, { rng: createRng(9) });
    perturbState(net, 9);
    await saveTfjsModel(kept, net, buildGenotypeExport({ space, genotype, network: net }), null);
    const out = join(dir, 'out');
    assert.equal(await quiet(['1', '--db', db, '--best', '--format', 'json,tfjs,onnx', '--out', out, '--backend', 'cpu']), 0);
    // The files are registered with the candidate (for the explorer's downloads); its other extra data stays.
    const registered = openStore(db, { readonly: true });
    assert.deepEqual(registered.getCandidate(ids[0])!.extra, { weightsDir: kept, exports: { json: join(out, 'genotype.json'), tfjs: out, onnx: join(out, 'model.onnx') } });
    registered.close();
    const shape = [2, 28, 28, 1];
    const x = randomInput(shape, 1);
    const expected = tf.tidy(() => net.forward(tf.tensor(x, shape), false).dataSync());
    const loaded = await loadExportedModel(out);
    assert.equal(maxAbsDiff(tf.tidy(() => loaded.network.forward(tf.tensor(x, shape), false).dataSync()), expected), 0);
    loaded.network.dispose();
    const session = await openOnnxSession(join(out, 'model.onnx'));
    assert.ok(maxAbsDiff((await runOnnx(session, x, shape)).data, expected) <= 1e-4);
    await session.release();
    net.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model export without kept weights trains first (one epoch on a few MNIST images) and records it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-export-cmd-'));
  try {
    const { db } = fixture(dir);
    const out = join(dir, 'out');
    assert.equal(await quiet(['1', '--db', db, '--candidate', '2', '--format', 'onnx,json', '--out', out,
      '--train-epochs', '1', '--train-images', '40', '--test-images', '50', '--batch-size', '20', '--backend', 'cpu']), 0);
    assert.ok(existsSync(join(out, 'model.onnx')));
    const doc = JSON.parse(readFileSync(join(out, 'genotype.json'), 'utf8'));
    assert.equal(doc.metrics.final.epochs, 1);
    assert.equal(doc.metrics.final.trainImages, 40);
    assert.equal(doc.metrics.final.testImages, 50);
    assert.equal(doc.metrics.final.dataset, 'mnist');
    assert.ok(doc.metrics.final.testAccuracy >= 0 && doc.metrics.final.testAccuracy <= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
