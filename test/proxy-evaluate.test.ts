/** evaluateJob end to end on a genotype of the small DARTS Fashion-MNIST space. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { evaluateJob } from '../search/evaluate/proxy.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import { LatencyLock } from '../search/latency/lock.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';

const spacePath = resolveSpacePath('darts-fmnist-small');
const spaceDef = readJsonFile(spacePath);
const space = <CellSpace>loadSpace(spacePath);
const genotype = space.sample(createRng(11));

const job = (over: Partial<EvalJob> = {}): EvalJob => ({
  runId: 1, candidateId: 7, key: space.key(genotype), spaceDef, genotype, task: 'classification', dataset: 'fashion-mnist',
  budget: { epochs: 1, trainImages: 256, valImages: 128, batchSize: 32, learningRate: 0.05 },
  latency: { runtime: 'tfjs', warmup: 2, repeats: 5 }, seed: 3, ...over,
});

describe('evaluateJob', () => {
  test('returns a complete result whose params and FLOPs are those of the genotype network, and frees its tensors', async () => {
    const lock = new LatencyLock();
    const first = await evaluateJob(job(), { lock, worker: 'test' }); // loads the data set and backend
    const before = tf.memory().numTensors;
    const r = await evaluateJob(job(), { lock, worker: 'test' });
    assert.equal(tf.memory().numTensors, before, 'tensor count');
    const net = buildNetwork(space, genotype, { inShape: [28, 28, 1], classes: 10, rng: createRng(0) });
    assert.equal(r.metrics.params, net.paramCount());
    assert.equal(r.metrics.flops, net.flops());
    net.dispose();
    assert.equal(r.epochs.length, 1);
    const m = r.metrics;
    assert.ok(m.accuracy! >= 0 && m.accuracy! <= 1);
    assert.equal(m.accuracy, r.epochs[0].valAccuracy);
    assert.equal(m.accuracy, first.metrics.accuracy, 'same seed, same result');
    assert.ok(m.latency_ms! > 0 && Number.isFinite(m.latency_ms));
    assert.ok(m.latency_iqr_ms! >= 0 && Number.isFinite(m.latency_iqr_ms));
    assert.ok(m.train_seconds! > 0);
    assert.equal(r.worker, 'test');
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(r.backend));
    assert.deepEqual(lock.snapshot(), { state: 0, writersWaiting: 0 }, 'lock released');
  });

  test('latency none measures no latency; an invalid genotype is an error naming the job', async () => {
    const r = await evaluateJob(job({ latency: { runtime: 'none', warmup: 0, repeats: 1 }, budget: { epochs: 1, trainImages: 64, valImages: 32, batchSize: 32, learningRate: 0.05 } }));
    assert.equal(r.metrics.latency_ms, undefined);
    assert.equal(r.metrics.latency_iqr_ms, undefined);
    await assert.rejects(evaluateJob(job({ genotype: { normal: [['conv_9x9', 0]] } as never })), /job 7 genotype/);
  });
});
