/**
 * The few-shot evaluator on a tiny real budget: a reference genotype trains on the base classes of
 * a few scenes and scores novel-class mIoU on a couple of 1- and 5-shot episodes with either head;
 * its size figures are the embedding network's, the result repeats with its seed, no tensor leaks,
 * the result keeps the run's first episode for the explorer, and the job shows signs of life as it goes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import type { FewShotPreview } from '../search/contracts/fewshot-preview.ts';
import { evaluateFewShotJob, fewShotSpec } from '../search/evaluate/fewshot.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { referencesOf } from '../search/space/references.ts';
import { readFileSync } from 'node:fs';
import { UsageError } from '../search/util/errors.ts';

before(async () => { await initBackend(); });

const spacePath = resolveSpacePath('seg-blocks');
const genotype = referencesOf('seg-blocks').find((r) => r.name === 'pspnet-like')!.genotype;
const job = (over: Partial<EvalJob> = {}): EvalJob => ({
  runId: 1, candidateId: 1, key: 'k', spaceDef: JSON.parse(readFileSync(spacePath, 'utf8')), genotype, task: 'fewshot-seg', dataset: 'scenes-objects',
  budget: { epochs: 1, trainImages: 16, valImages: 60, batchSize: 8, learningRate: 0.003 },
  latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed: 2, ...over,
});
const spec = fewShotSpec.parse({ kind: 'fewshot', episodes: 3, dim: 8 });

test('a genotype trains on base classes and scores 1- and 5-shot novel mIoU with each head', async () => {
  let beats = 0;
  const first = await evaluateFewShotJob(job(), spec, { beat: () => { beats++; } });
  // A sign of life on each of the 2 training steps (16 scenes, batch 8) and each of the 3 episodes scored: a pool worker is not taken for stale.
  assert.ok(beats >= 2 + 3, `${beats} beats`);
  const count = tf.memory().numTensors;
  const again = await evaluateFewShotJob(job(), spec);
  assert.equal(tf.memory().numTensors, count, 'tensors freed');
  assert.deepEqual({ ...again.metrics, train_seconds: 0 }, { ...first.metrics, train_seconds: 0 }, 'same seed, same figures');
  const m = first.metrics;
  for (const k of ['fewshot_miou_1shot', 'fewshot_miou_5shot'] as const) assert.ok(m[k]! >= 0 && m[k]! <= 1, `${k} ${m[k]}`);
  assert.equal(m.latency_ms, undefined);
  const net = buildNetwork(loadSpace(spacePath), genotype, { task: 'segmentation', classes: 8, inShape: [64, 64, 1] });
  assert.equal(m.params, net.paramCount());
  assert.equal(m.flops, net.flops());
  net.dispose();
  const preview = first.extra!.fewshot as FewShotPreview;
  assert.deepEqual([preview.supports.length, preview.supports[0].length, preview.predictions.map((p) => p.shots)], [1, 5, [1, 5]], 'the first episode is kept: 1 way, 5 supports, answers at 1 and 5 shots');
  assert.equal(preview.classNames.length, 2);
  assert.equal(first.epochs.length, 1);
  assert.ok(Number.isFinite(first.epochs[0].trainLoss));
  const attended = await evaluateFewShotJob(job(), { ...spec, head: 'attention' });
  for (const k of ['fewshot_miou_1shot', 'fewshot_miou_5shot'] as const) assert.ok(attended.metrics[k]! >= 0 && attended.metrics[k]! <= 1);
});

test('a data set other than scenes-objects is a usage error', async () => {
  await assert.rejects(evaluateFewShotJob(job({ dataset: 'scenes-context' }), spec), (e: Error) => e instanceof UsageError && /scenes-objects/.test(e.message));
});
