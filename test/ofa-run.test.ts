/**
 * Once-for-All supernet training as a run, through the CLI: progressive shrinking trains the
 * phases in order (each epoch's note names its phase), kill -9 after an epoch and `resume` end on
 * the weights of an uninterrupted run, the first phase trains OFA's largest network alone, bad
 * flags get a one-line error naming the flag, and a search judges block subnets with the trained
 * supernet's weights (--evaluator oneshot:RUN).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../search/backend/index.ts';
import { supernetEpochDataSchema } from '../search/contracts/supernet.ts';
import { checkpointDir } from '../search/run/session.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildElasticSupernet } from '../search/space/elastic.ts';
import { loadSpace } from '../search/space/load.ts';
import { largestSubnet, subnetAt } from '../search/strategies/ofa/sampling.ts';
import { saveWeights } from '../search/train/checkpoint.ts';
import { latestSupernetCheckpoint, readSupernetCheckpoint } from '../search/train/supernet-checkpoint.ts';
import { createRng } from '../search/util/rng.ts';
import { cellscape, killResumeAndCompare, read } from './supernet-kill.ts';
import { tempDir } from './temp-dir.ts';
import { TINY_BLOCKS, writeTinyBlocks } from './tiny-blocks.ts';

const dir = tempDir('ofa-');
const space = writeTinyBlocks(dir);
const PHASES = '1,1,0,1';
const EPOCHS = 3;
const train = (db: string) => ['search', '--strategy', 'ofa', '--space', space, '--phase-epochs', PHASES, '--sandwich', '--train-images', '64', '--batch-size', '16',
  '--subnets', '2', '--calibration-images', '32', '--val-images', '32', '--seed', '3', '--db', db];

test('kill -9 after an epoch, then resume: the run ends with the weights of an uninterrupted one, phase by phase', async () => {
  const a = join(dir, 'a.db'), b = join(dir, 'b.db');
  await killResumeAndCompare(train, EPOCHS, b, a);
  read(b, (s) => {
    // The notes in the contract's shape: the explorer's supernet view reads them so.
    const notes = s.listEvents(1).filter((e) => e.kind === 'ofa-epoch').map((e) => supernetEpochDataSchema.parse(e.data));
    assert.deepEqual(notes.map((n) => n.phase), ['largest', 'kernel', 'width']);
    assert.ok(notes.every((n) => n.subnets.length === 2));
  }, undefined);
});

test('the largest phase trains the largest network alone: every step selects it, and only its weights move', async () => {
  const tiny = loadSpace(space) as BlockSpace;
  const largest = largestSubnet(tiny);
  // The largest of every dimension the space offers, every layer MBConv (both tiny stages offer it).
  largest.stages.forEach((st, s) => {
    const sd = TINY_BLOCKS.stages[s];
    assert.equal(st.depth, Math.max(...sd.depth));
    const mb = sd.ops.find((o) => o.op === 'mbconv')!;
    for (const l of st.layers) assert.deepEqual(l, { op: 'mbconv', kernel: Math.max(...mb.kernel!), expand: Math.max(...mb.expand!), width: sd.width.base * Math.max(...sd.width.multipliers) });
  });
  for (const sandwich of [false, true]) {
    for (let step = 0; step < 12; step++) assert.deepEqual(subnetAt(tiny, { seed: 3, sandwich, phaseEpochs: [2, 1, 0, 0] }, step, step < 6 ? 0 : 1), largest);
  }

  // Through the trainer: one epoch of the first phase (4 steps, sandwich rule on), against the
  // supernet it starts from (the trainer builds it from the run's seed at the data's shape).
  const db = join(dir, 'largest.db');
  const r = cellscape(['search', '--strategy', 'ofa', '--space', space, '--phase-epochs', '1,0,0,0', '--sandwich', '--train-images', '64', '--batch-size', '16',
    '--subnets', '1', '--calibration-images', '32', '--val-images', '32', '--seed', '3', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  await initBackend();
  const start = buildElasticSupernet(tiny, { inShape: [28, 28, 1], classes: 10, rng: createRng(3) });
  const before = new Map(saveWeights(start).map((w) => [w.name, w.values]));
  start.dispose();
  const after = readSupernetCheckpoint(latestSupernetCheckpoint(checkpointDir(db, 1))!).train.weights;
  assert.deepEqual(after.map((w) => w.name).sort(), [...before.keys()].sort());
  const slotOp = (name: string) => /^backbone\.stages\.\d+\.\d+\.(\w+)\./.exec(name)?.[1];
  const moved = after.filter((w) => w.values.some((v, i) => v !== before.get(w.name)![i])).map((w) => w.name);
  const unmoved = after.map((w) => w.name).filter((n) => !moved.includes(n));
  // Every slot's conv and attention are off the largest network: exactly as initialised.
  assert.deepEqual(moved.filter((n) => slotOp(n) !== undefined && slotOp(n) !== 'mbconv'), []);
  // Every weight of its MBConvs, the stem and the classifier trained.
  assert.deepEqual(unmoved.filter((n) => slotOp(n) === undefined || slotOp(n) === 'mbconv'), []);
  assert.ok(unmoved.some((n) => slotOp(n) === 'conv') && unmoved.some((n) => slotOp(n) === 'win_attn'), unmoved.join());
});

test('bad flags and spaces are refused with the flag or file named', () => {
  const db = join(dir, 'c.db');
  const phases = cellscape(['search', '--strategy', 'ofa', '--space', space, '--phase-epochs', '1,2', '--db', db]);
  assert.notEqual(phases.status, 0);
  assert.match(phases.stderr, /--phase-epochs '1,2': expected 4 whole numbers of epochs/);
  const cells = cellscape(['search', '--strategy', 'ofa', '--space', 'darts-fmnist-small', '--db', db]);
  assert.notEqual(cells.status, 0);
  assert.match(cells.stderr, /ofa trains block spaces; '.*darts-fmnist-small.json' is a cell space/);
});

test('a search on --evaluator oneshot:RUN judges block subnets of the Once-for-All supernet', () => {
  const db = join(dir, 'b.db');
  const r = cellscape(['search', '--strategy', 'evolution', '--space', space, '--evaluator', 'oneshot:1', '--budget', '3', '--population', '2', '--sample', '2', '--workers', '1',
    '--latency-runtime', 'none', '--val-images', '32', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  read(db, (s) => {
    const done = s.listCandidates(2);
    assert.deepEqual(done.map((c) => c.status), ['done', 'done', 'done']);
    assert.ok(done.every((c) => c.metrics.accuracy! >= 0 && c.metrics.accuracy! <= 1 && c.metrics.params! > 0), JSON.stringify(done.map((c) => c.metrics)));
    assert.deepEqual(s.listEvents(2).filter((e) => e.kind === 'tensor-leak'), []);
  }, undefined);
});
