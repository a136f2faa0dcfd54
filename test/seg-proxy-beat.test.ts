/** A segmentation job shows life on every training step (the pool's heartbeat and memory check) and stops when aborted. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../search/backend/index.ts';
import { evaluateSegmentationJob } from '../search/evaluate/seg-proxy.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { BlockGenotype } from '../search/space/types.ts';

before(async () => { await initBackend(); });

const space = loadSpace(resolveSpacePath('seg-blocks'));
const layer = (s: number, width: number) => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
const genotype: BlockGenotype = { stages: [16, 24, 40, 64].map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head: 'fpn', spatialPath: false };
const job = (epochs: number): EvalJob => ({
  runId: 1, candidateId: 1, key: 'k', spaceDef: space.def, genotype, task: 'segmentation', dataset: 'scenes-objects',
  budget: { epochs, trainImages: 12, valImages: 4, batchSize: 4, learningRate: 0.003 }, latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed: 1,
});

test('every training step beats: 2 epochs of 12 images in batches of 4 are 6 beats', async () => {
  let beats = 0;
  const r = await evaluateSegmentationJob(job(2), { beat: () => { beats++; } });
  assert.equal(r.epochs.length, 2);
  assert.equal(beats, 6);
});

test('an aborted job stops at its next step', async () => {
  const stop = new AbortController();
  let beats = 0;
  await assert.rejects(evaluateSegmentationJob(job(3), { beat: () => { if (++beats === 2) stop.abort(new Error('stopped by the test')); }, signal: stop.signal }), /stopped by the test/);
  assert.equal(beats, 2);
});
