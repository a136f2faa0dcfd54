/**
 * DARTS searches on tiny real inputs (Fashion-MNIST, 8 images per half, a 3-cell supernet of 4
 * channels) on the default backend: what a run records, resume from a checkpoint, second order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { runDarts, resumeDarts } from '../search/run/drivers/darts.ts';
import { dartsConfig, type DartsConfig } from '../search/strategies/darts/config.ts';
import { checkpointDir } from '../search/run/session.ts';
import { buildDartsSupernet } from '../search/nn/darts.ts';
import { createArchParams } from '../search/strategies/darts/arch.ts';
import { archStepFirstOrder, archStepSecondOrder, createArchOptimizer, type XY } from '../search/strategies/darts/bilevel.ts';
import { createRng } from '../search/util/rng.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import type { EvalResult } from '../search/contracts/result.ts';
import type { Executor } from '../search/executor/types.ts';

let dir: string;
let store: Store;
const OPS = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];

function writeSpace(name: string, ops: string[]): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    name, family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
    cell: { ops, nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  }));
  return path;
}

// A fixed table keeps the latency term deterministic (measured tables are noisy).
const TABLE_MS: Record<string, number> = { max_pool_3x3: 0.05, avg_pool_3x3: 0.05, skip_connect: 0.01, sep_conv_3x3: 0.5, factorized_reduce: 0.1 };
const opLatency = (key: string): number => TABLE_MS[key.split('@')[0]] ?? 0.2;

let tiny: Partial<DartsConfig>;
before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'darts-'));
  store = openStore(join(dir, 'runs.db'));
  tiny = {
    space: writeSpace('tiny', OPS), trainImages: 8, valImages: 8, batchSize: 4, epochs: 2, augment: false, proxy: null,
    latency: { weight: 0.2, form: 'linear' }, snapshotEvery: 1,
  };
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const lastAlphas = (runId: number): number[] => store.listArchSnapshots(runId).slice(-2).flatMap((s) => s.weights.edges.flatMap((e) => e.weights));

test('a search records every epoch: losses, snapshots (per step and per epoch), the genotype, a checkpoint, the run state', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const steps: number[] = [];
  const out = await runDarts(tiny as DartsConfig, store, { opLatency, onStep: (s) => steps.push(s.step) });
  assert.equal(out.status, 'finished');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
  assert.deepEqual(steps, [1, 2, 3, 4]);
  const epochs = store.listEpochs(out.runId, null);
  assert.deepEqual(epochs.map((e) => e.epoch), [0, 1]);
  for (const e of epochs) {
    assert.ok(e.trainLoss! > 0 && e.valLoss! > 0 && e.trainAccuracy! >= 0 && e.valAccuracy! <= 1 && e.seconds! > 0, JSON.stringify(e));
    assert.equal((e.genotype as { normal: unknown[] }).normal.length, 4);
  }
  assert.deepEqual(epochs[1].genotype, out.genotype);
  // snapshotEvery 1 with 2 steps an epoch: one mid-epoch and one end-of-epoch snapshot per cell type.
  const snaps = store.listArchSnapshots(out.runId, 'normal');
  assert.deepEqual(snaps.map((s) => [s.epoch, s.step]), [[0, 1], [0, 2], [1, 3], [1, 4]]);
  for (const s of snaps) {
    assert.deepEqual(s.weights.ops, OPS);
    assert.deepEqual(s.weights.edges.map((e) => [e.from, e.to]), [[0, 2], [1, 2], [0, 3], [1, 3], [2, 3]]);
    for (const e of s.weights.edges) assert.ok(Math.abs(e.weights.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  assert.notDeepEqual(snaps[0].weights, snaps[3].weights, 'alphas moved');
  const run = store.getRun(out.runId)!;
  assert.equal(run.status, 'finished');
  assert.equal((run.state as { phase: string }).phase, 'done');
  const ckpts = readdirSync(checkpointDir(store.path, out.runId));
  assert.deepEqual(ckpts, ['epoch-2.ckpt'], 'only the last checkpoint is kept');
  const epochEvents = store.listEvents(out.runId).filter((e) => e.kind === 'darts-epoch');
  assert.equal(epochEvents.length, 2);
  assert.ok((epochEvents[0].data as { expectedLatencyMs: number }).expectedLatencyMs > 0);
});

test('a killed search resumes from its checkpoint and ends with the alphas of an uninterrupted run', async () => {
  const full = await runDarts(tiny as DartsConfig, store, { opLatency });
  const ac = new AbortController();
  const first = await runDarts(tiny as DartsConfig, store, { opLatency, signal: ac.signal, onEpoch: () => ac.abort() });
  assert.equal(first.status, 'stopped');
  assert.equal(store.getRun(first.runId)!.status, 'stopped');
  assert.equal(store.listEpochs(first.runId, null).length, 1);
  const resumedEpochs: number[] = [];
  const second = await resumeDarts(first.runId, store, { onEpoch: (r) => resumedEpochs.push(r.epoch) });
  assert.equal(second.status, 'finished');
  assert.deepEqual(resumedEpochs, [1], 'the resumed process ran only the missing epoch');
  assert.deepEqual(store.listEpochs(first.runId, null).map((e) => e.epoch), [0, 1]);
  assert.ok(store.listEvents(first.runId).some((e) => e.kind === 'resume'));
  const a = lastAlphas(full.runId);
  const b = lastAlphas(first.runId);
  assert.equal(a.length, b.length);
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(diff < 1e-6, `largest alpha softmax difference ${diff}`);
  assert.deepEqual(second.genotype, full.genotype);
});

test('PC-DARTS with each remedy (GDAS too) and the lagrange latency form: a killed search resumes to the alphas, edge weights and multiplier of an uninterrupted one', async () => {
  for (const remedy of [{ kind: 'drnas', weight: 1e-3 }, { kind: 'darts-minus', weight: 1 }, { kind: 'beta', weight: 1 }, { kind: 'gdas', weight: 10 }] as const) {
    const cfg = { ...tiny, partialChannels: 2, remedy, latency: { weight: 0.5, form: 'lagrange', targetMs: 1 } } as DartsConfig;
    const full = await runDarts(cfg, store, { opLatency });
    assert.equal(full.status, 'finished', remedy.kind);
    const ac = new AbortController();
    const first = await runDarts(cfg, store, { opLatency, signal: ac.signal, onEpoch: () => ac.abort() });
    assert.equal(first.status, 'stopped');
    await resumeDarts(first.runId, store);
    const a = lastAlphas(full.runId), b = lastAlphas(first.runId);
    assert.ok(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) < 1e-6, `${remedy.kind}: alphas differ`);
    assert.ok(a.some((w) => Math.abs(w - 1 / OPS.length) > 1e-4), `${remedy.kind}: the alphas left uniform`);
    const last = (runId: number) => store.listEvents(runId).filter((e) => e.kind === 'darts-epoch').at(-1)!.data as { entropy: Record<string, number>; edgeWeights: Record<string, number[]>; latencyMultiplier: number };
    const [x, y] = [last(full.runId), last(first.runId)];
    const gap = (u: number[], v: number[]): number => Math.max(...u.map((z, i) => Math.abs(z - v[i])));
    assert.ok(gap([...x.edgeWeights.normal, ...x.edgeWeights.reduce], [...y.edgeWeights.normal, ...y.edgeWeights.reduce]) < 1e-6, `${remedy.kind}: edge weights`);
    assert.equal(x.edgeWeights.normal.length, 5);
    assert.ok(gap([x.latencyMultiplier], [y.latencyMultiplier]) < 1e-5, `${remedy.kind}: multiplier ${x.latencyMultiplier} vs ${y.latencyMultiplier}`);
    assert.ok(x.latencyMultiplier > 0, 'the tiny supernet is over a 1 ms target: the multiplier rose');
    assert.ok(x.entropy.normal > 0 && x.entropy.normal <= Math.log(OPS.length) + 1e-9, JSON.stringify(x.entropy));
    assert.deepEqual(store.getRun(first.runId)!.config, store.getRun(full.runId)!.config);
  }
});

test('warm-up epochs train the weights only: the alphas stay put, the architecture half is not read, and a run killed after its warm-up resumes to the alphas of an uninterrupted one', async () => {
  const cfg = { ...tiny, epochs: 3, warmupEpochs: 2 } as DartsConfig;
  const lines: string[] = [];
  const full = await runDarts(cfg, store, { opLatency, log: (l) => lines.push(l) });
  const snaps = store.listArchSnapshots(full.runId, 'normal');
  assert.deepEqual(snaps.map((s) => [s.epoch, s.step]), [[0, 1], [0, 2], [1, 3], [1, 4], [2, 5], [2, 6]]);
  for (const s of snaps.slice(1, 4)) assert.deepEqual(s.weights, snaps[0].weights, `no architecture step by step ${s.step}`);
  assert.notDeepEqual(snaps[5].weights, snaps[3].weights, 'the alphas move after the warm-up');
  const epochs = store.listEpochs(full.runId, null);
  assert.deepEqual(epochs.map((e) => e.valLoss === null), [true, true, false], 'no architecture-half loss in a warm-up epoch');
  assert.ok(epochs.every((e) => e.trainLoss! > 0));
  assert.ok(lines.some((l) => /^epoch 1\/3: .*warm-up/.test(l)), lines.join('\n'));

  const ac = new AbortController();
  const first = await runDarts(cfg, store, { opLatency, signal: ac.signal, onEpoch: (r) => { if (r.epoch === 1) ac.abort(); } });
  assert.equal(first.status, 'stopped');
  await resumeDarts(first.runId, store);
  const a = lastAlphas(full.runId), b = lastAlphas(first.runId);
  assert.ok(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) < 1e-6, 'alphas differ after resume');
  assert.throws(() => dartsConfig({ epochs: 2, warmupEpochs: 2 }), /warmupEpochs: must be fewer than the epochs/);
});

test('collapse is recorded as a warning with its epoch when parameter-free ops take the normal cell', async () => {
  const lines: string[] = [];
  const out = await runDarts({ ...tiny, space: writeSpace('free', ['none', 'max_pool_3x3', 'skip_connect']), epochs: 1 } as DartsConfig, store, { opLatency, log: (l) => lines.push(l) });
  const warns = store.listEvents(out.runId).filter((e) => e.level === 'warn' && e.kind === 'collapse');
  assert.equal(warns.length, 1);
  assert.equal((warns[0].data as { epoch: number }).epoch, 0);
  assert.ok(lines.some((l) => /WARNING epoch 1: the derived normal cell collapsed/.test(l)), lines.join('\n'));
});

test('the derived genotype is evaluated like a candidate, as a job of the run\'s executor, and stored on the run', async () => {
  const jobs: EvalJob[] = [];
  const result: EvalResult = { metrics: { accuracy: 0.5, latency_ms: 1.25, latency_iqr_ms: 0.1, params: 1234, flops: 5678, train_seconds: 3 }, backend: 'wasm', worker: 'test',
    epochs: [{ epoch: 0, trainLoss: 2, trainAccuracy: 0.3, valLoss: 2.1, valAccuracy: 0.5, seconds: 1 }] };
  let closed = false;
  const executor: Executor = {
    slots: 1,
    start(task) {
      jobs.push(task.job);
      assert.equal(task.evaluator.kind, 'proxy');
      return { done: Promise.resolve({ ok: true, result, tensors: null }), lastBeat: () => Date.now(), abort: () => {} };
    },
    close: async () => { closed = true; },
  };
  const out = await runDarts({ ...tiny, epochs: 1, proxy: dartsConfig().proxy } as DartsConfig, store, { opLatency, executor });
  assert.ok(closed, 'the run layer closes the executor after the sitting');
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0].genotype, out.genotype);
  assert.equal(jobs[0].candidateId, out.candidateId);
  const cand = store.getCandidate(out.candidateId!)!;
  assert.equal(cand.status, 'done');
  assert.deepEqual(cand.genotype, out.genotype);
  assert.equal(cand.metrics.latency_ms, 1.25);
  assert.equal(cand.extra?.source, 'darts');
  assert.equal(store.listEpochs(out.runId, cand.id).length, 1);
});

test('a second-order step restores the weights and moves alphas differently from a first-order step', () => {
  const rng = createRng(3);
  const net = buildDartsSupernet(OPS, 4, 3, 2, { classes: 10, inShape: [8, 8, 1] }, rng);
  const weights = net.variables();
  const batch = (seed: number): XY => {
    const r = createRng(seed);
    const labels = new Float32Array(40);
    for (let i = 0; i < 4; i++) labels[i * 10 + r.int(10)] = 1;
    return { x: tf.tensor4d(Float32Array.from({ length: 4 * 64 }, () => r.normal()), [4, 8, 8, 1]), y: tf.tensor2d(labels, [4, 10]) };
  };
  const [train, val] = [batch(1), batch(2)];
  const archLoss = (ce: tf.Scalar): tf.Scalar => tf.clone(ce);
  const stepWith = (order: 1 | 2): number[] => {
    const arch = createArchParams(OPS, 2, createRng(9));
    const opt = createArchOptimizer(arch, { learningRate: 0.1, weightDecay: 0 });
    const before = weights.map((w) => w.variable.dataSync().slice());
    if (order === 1) archStepFirstOrder(net, arch, val, archLoss, opt);
    else archStepSecondOrder(net, weights, arch, train, val, archLoss, opt, { xi: 0.5, weightDecay: 3e-4 });
    weights.forEach((w, i) => assert.deepEqual(w.variable.dataSync(), before[i], `weight ${w.name} unchanged`));
    const alphas = [...arch.normal.dataSync(), ...arch.reduce.dataSync()];
    opt.dispose();
    arch.dispose();
    return alphas;
  };
  const init = (() => { const a = createArchParams(OPS, 2, createRng(9)); const v = [...a.normal.dataSync(), ...a.reduce.dataSync()]; a.dispose(); return v; })();
  const first = stepWith(1);
  const second = stepWith(2);
  const moved = (v: number[]): number => Math.max(...v.map((x, i) => Math.abs(x - init[i])));
  assert.ok(moved(first) > 1e-3 && moved(second) > 1e-3, 'both steps move alpha');
  const apart = Math.max(...first.map((x, i) => Math.abs(x - second[i])));
  assert.ok(apart > 1e-6, `first and second order agree to ${apart}`);
  tf.dispose([train.x, train.y, val.x, val.y]);
  net.dispose();
});
