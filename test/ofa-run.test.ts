/**
 * Once-for-All supernet training as a run, through the CLI: progressive shrinking trains the
 * phases in order (each epoch's note names its phase), kill -9 after an epoch and `resume` end on
 * the weights of an uninterrupted run, bad flags get a one-line error naming the flag, and a
 * search judges block subnets with the trained supernet's weights (--evaluator oneshot:RUN).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supernetEpochDataSchema } from '../search/contracts/supernet.ts';
import { cellscape, killResumeAndCompare, read } from './supernet-kill.ts';
import { TINY_BLOCKS } from './tiny-blocks.ts';

const dir = mkdtempSync(join(tmpdir(), 'ofa-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const space = join(dir, 'tiny-blocks.json');
writeFileSync(space, JSON.stringify(TINY_BLOCKS));
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
