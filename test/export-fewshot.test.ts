/**
 * Exporting a few-shot segmentation candidate: genotype.json describes its embedding network (the
 * width the run trained, not the space's class count) and how to answer an episode; a model
 * export trains the embedding on base classes, and the TF.js model it writes, loaded back, answers
 * the test episodes with exactly the novel-class mIoU the export recorded, while the ONNX model
 * gives the same embeddings. A few-shot run whose evaluator trained no embedding is refused, saying why.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { command } from '../search/commands/export.ts';
import { classSplit } from '../search/data/segmentation/episodes.ts';
import { loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { scoreEpisodes } from '../search/evaluate/fewshot-score.ts';
import { fewShotEpisodes, fewShotSpec } from '../search/evaluate/fewshot.ts';
import { readGenotypeExport } from '../search/export/genotype-json.ts';
import { loadExportedModel } from '../search/export/tfjs.ts';
import { openOnnxSession, runOnnx } from '../search/onnx/session.ts';
import { buildNetwork } from '../search/space/build.ts';
import { parseSpaceDef, readJsonFile, resolveSpacePath, spaceFromDef } from '../search/space/load.ts';
import { referencesOf } from '../search/space/references.ts';
import { openStore } from '../search/store/store.ts';
import { UsageError } from '../search/util/errors.ts';
import { maxAbsDiff, randomInput } from './export-fixtures.ts';

const def = readJsonFile(resolveSpacePath('seg-blocks'));
const space = spaceFromDef(parseSpaceDef(def, 'seg-blocks'));
const genotype = referencesOf('seg-blocks').find((r) => r.name === 'bisenet-like')!.genotype;
const spec = fewShotSpec.parse({ kind: 'fewshot', dim: 8, episodes: 3 });

let dir: string;
let db: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cellscape-export-fewshot-'));
  db = join(dir, 'runs.db');
  const store = openStore(db);
  for (const evaluator of [spec, { kind: 'zc', proxy: 'synflow' }]) {
    const run = store.createRun({
      name: `fewshot-${evaluator.kind}`, strategy: 'random', spaceName: space.name, spaceDefinition: def, spaceHash: space.hash, task: 'fewshot-seg',
      dataset: 'scenes-objects', config: { evaluator }, seed: 3, backend: 'cpu', versions: {}, commandLine: 'cellscape search --task fewshot-seg (test)',
    });
    const { id } = store.insertCandidate(run.id, { genotype, key: space.key(genotype as never) });
    store.completeCandidate(id, { metrics: { fewshot_miou_1shot: 0.2, fewshot_miou_5shot: 0.3 } });
  }
  store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const quiet = async (argv: string[]): Promise<number> => {
  const [log, error] = [console.log, console.error];
  console.log = console.error = () => {};
  try { return await command.run(argv); } finally { [console.log, console.error] = [log, error]; }
};

test('genotype.json of a few-shot candidate describes its embedding network and the episode answer', async () => {
  await tf.setBackend('cpu');
  const out = join(dir, 'json');
  assert.equal(await quiet(['1', '--db', db, '--best', '--format', 'json', '--out', out]), 0);
  const { doc } = readGenotypeExport(join(out, 'genotype.json'));
  const embedding = buildNetwork(space, genotype, { task: 'segmentation', classes: 8 });
  assert.deepEqual([doc.network.task, doc.network.classes, doc.network.params], ['segmentation', 8, embedding.paramCount()]);
  embedding.dispose();
  assert.equal(doc.fewshot!.head, 'prototype');
  assert.deepEqual(doc.fewshot!.novelClasses, ['T-shirt/top', 'Coat', 'Bag', 'digit 2', 'digit 6']);
  assert.equal(doc.fewshot!.baseClasses.length, 15);
  assert.match(doc.fewshot!.answer, /\[N, h, w, 8\].*prototypes/);
  assert.equal(doc.fewshot!.test, null, 'nothing was trained');
});

test('a model export trains the embedding; the TF.js model answers the test episodes with the recorded mIoU and ONNX gives its embeddings', async () => {
  const out = join(dir, 'models');
  assert.equal(await quiet(['1', '--db', db, '--best', '--format', 'json,tfjs,onnx', '--out', out,
    '--train-epochs', '1', '--train-images', '16', '--test-images', '100', '--batch-size', '8', '--backend', 'cpu']), 0);
  assert.ok(existsSync(join(out, 'model.onnx')));
  const { doc } = readGenotypeExport(join(out, 'genotype.json'));
  assert.deepEqual([doc.metrics.final!.trainImages, doc.metrics.final!.testImages, doc.metrics.final!.optimizer], [16, 100, 'adam']);
  const t = doc.fewshot!.test!;
  assert.equal(t.episodes, 3);
  assert.ok(t.miou1shot! >= 0 && t.miou1shot! <= 1 && t.miou5shot! >= 0 && t.miou5shot! <= 1);
  const loaded = await loadExportedModel(out);
  assert.match(loaded.topology.output.meaning, /embedding \[N, h, w, 8\]/);
  // Test scenes normalised as model.json says (by the training scenes' statistics).
  const data = { ...loadSceneDataset({ variant: 'objects', counts: { train: 0, val: 0, test: 100 } }), ...loaded.topology.input.normalize! };
  const split = classSplit(spec.fold);
  const scores = await scoreEpisodes((x) => loaded.network.forward(x, false), data, data.test, fewShotEpisodes(data.test, data.shape, split, spec, 'test'), split.novel,
    { head: spec.head, scale: spec.scale, shots: [1, 5], pool: spec.pool });
  assert.deepEqual([scores.get(1), scores.get(5)], [t.miou1shot, t.miou5shot], 'the exported weights are the ones scored');
  const shape = [2, 64, 64, 1];
  const x = randomInput(shape, 4);
  const expected = tf.tidy(() => loaded.network.forward(tf.tensor(x, shape), false).dataSync());
  loaded.network.dispose();
  const session = await openOnnxSession(join(out, 'model.onnx'));
  const onnx = await runOnnx(session, x, shape);
  await session.release();
  assert.deepEqual(onnx.dims, [2, 64, 64, 8]);
  assert.ok(maxAbsDiff(onnx.data, expected) <= 1e-4 * Math.max(1, ...Array.from(expected, Math.abs)));
  const registered = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.genotype.fewshot;
  assert.deepEqual(registered, doc.fewshot, 'model.json carries the same description');
});

test('a few-shot run scored without an embedding, with too few test scenes for its episodes, or with a classifier-training flag, is refused, naming why', async () => {
  await assert.rejects(quiet(['1', '--db', db, '--best', '--format', 'onnx', '--out', join(dir, 'cut'), '--cutout', '8', '--backend', 'cpu']),
    (e: Error) => e instanceof UsageError && /^--cutout: not for a few-shot run's training/.test(e.message));
  await assert.rejects(quiet(['1', '--db', db, '--best', '--format', 'onnx', '--out', join(dir, 'few'), '--train-epochs', '0', '--test-images', '20', '--backend', 'cpu']),
    (e: Error) => e instanceof UsageError && /^--test-images 20: few-shot episodes: class \d+ is in \d of 20 scenes/.test(e.message));
  await assert.rejects(quiet(['2', '--db', db, '--best', '--format', 'json', '--out', join(dir, 'zc')]),
    (e: Error) => e instanceof UsageError && /run 2 is a few-shot run scored by the 'zc' evaluator, which trains no embedding/.test(e.message));
});
