/**
 * DARTS on a segmentation cell space, end to end on tiny real inputs: 8 + 8 built-in scenes, a
 * 3-cell supernet of 4 channels with two nodes per cell, one epoch, then the derived genotype
 * trained from scratch by the real proxy evaluator (one epoch on 8 scenes).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { runDarts } from '../search/run/drivers/darts.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { supernetSites } from '../search/strategies/darts/latency.ts';
import { buildSegmentationSupernet } from '../search/space/seg-build.ts';
import { spaceFromDef, parseSpaceDef } from '../search/space/load.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { createRng } from '../search/util/rng.ts';

let dir: string;
let store: Store;
let spacePath: string;
const OPS = ['none', 'skip_connect', 'sep_conv_3x3'];
const DEF = {
  name: 'tiny-seg', family: 'cell', task: 'segmentation', input: { shape: [64, 64, 1], classes: 21 },
  cell: { ops: OPS, nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  segmentation: { heads: ['upsample', 'ppm'], spatialPath: [false, true], spatialWidth: 4, ignoreLabel: 255 },
};
const opLatency = (key: string): number => (key.startsWith('sep_conv') ? 0.5 : 0.05);

before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'darts-seg-'));
  store = openStore(join(dir, 'runs.db'));
  spacePath = join(dir, 'tiny-seg.json');
  writeFileSync(spacePath, JSON.stringify(DEF));
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('latency sites walk the stride-4 stem and the 1/8..1/32 reductions, through a spatial path too', () => {
  const space = spaceFromDef(parseSpaceDef(DEF, 'test')) as CellSpace;
  for (const spatialPath of [false, true]) {
    const net = buildSegmentationSupernet(space, { rng: createRng(0), spatialPath });
    const sites = supernetSites(net);
    // 3 cells x 5 edges x 3 ops; the first cell reads the 16x16 stem output.
    assert.equal(sites.length, 3 * 5 * OPS.length);
    assert.deepEqual(sites[0].inShape.slice(0, 2), [16, 16]);
    assert.ok(sites.every((s) => s.key.length > 0 && !s.key.includes('NaN')), sites.map((s) => s.key).join(' '));
    net.dispose();
  }
});

test('a DARTS search on a segmentation space records epochs with mIoU and a final candidate with an mIoU', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const config = dartsConfig({
    space: spacePath, dataset: 'scenes-objects', trainImages: 8, valImages: 8, batchSize: 4, epochs: 1, augment: false, partialChannels: 2,
    segmentation: { head: 'ppm' },
    proxy: { epochs: 1, trainImages: 8, valImages: 8, batchSize: 4, learningRate: 0.01 }, measure: { runtime: 'none', warmup: 0, repeats: 1 },
  });
  const out = await runDarts(config, store, { opLatency });
  assert.equal(out.status, 'finished', out.error);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
  const epochs = store.listEpochs(out.runId, null);
  assert.equal(epochs.length, 1);
  const e = epochs[0];
  assert.ok(e.trainLoss! > 0 && e.valLoss! > 0, JSON.stringify(e));
  for (const miou of [e.trainAccuracy!, e.valAccuracy!]) assert.ok(miou >= 0 && miou <= 1, JSON.stringify(e));
  // The derived genotype carries the head searched with (not the space's first, upsample).
  assert.equal(out.genotype!.head, 'ppm');
  assert.equal(out.genotype!.spatialPath, false);
  assert.deepEqual(e.genotype, out.genotype);
  const cand = store.getCandidate(out.candidateId!)!;
  assert.equal(cand.status, 'done');
  assert.deepEqual(cand.genotype, out.genotype);
  assert.ok(cand.metrics.miou! >= 0 && cand.metrics.miou! <= 1, `mIoU ${cand.metrics.miou}`);
  assert.equal(cand.metrics.accuracy, undefined, 'segmentation stores mIoU as miou, not as accuracy');
  assert.ok(cand.metrics.flops! > 0 && cand.metrics.params! > 0);
  assert.equal(cand.extra?.source, 'darts');
  assert.ok(cand.metrics.pixel_accuracy! >= 0 && cand.metrics.pixel_accuracy! <= 1, 'pixel accuracy kept beside the mIoU');
  assert.equal(store.listEpochs(out.runId, cand.id).length, 1);
  assert.equal(store.getRun(out.runId)!.task, 'segmentation');
});

test('a segmentation space refuses a classification data set, and the reverse', async () => {
  await assert.rejects(runDarts(dartsConfig({ space: spacePath, dataset: 'fashion-mnist', proxy: null }), store), /cannot search on 'fashion-mnist'/);
  await assert.rejects(runDarts(dartsConfig({ dataset: 'scenes-objects', proxy: null }), store), /cannot search on 'scenes-objects'/);
});
