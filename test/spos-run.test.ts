/**
 * SPOS supernet training as a run, through the CLI: killed with kill -9 after its first epoch and
 * resumed, it ends with the weights of an uninterrupted run; then a search judges candidates with
 * `--evaluator oneshot:RUN` on the pool, and a wrong reference is refused with a one-line reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cellscape, killResumeAndCompare, read } from './supernet-kill.ts';
import { tempDir } from './temp-dir.ts';
import { writeTinyCell } from './tiny-cell.ts';

const dir = tempDir('spos-');
const space = writeTinyCell(dir);
const EPOCHS = 4;
const train = (db: string) => ['search', '--strategy', 'spos', '--space', space, '--epochs', String(EPOCHS), '--train-images', '64', '--batch-size', '16',
  '--subnets', '2', '--calibration-images', '32', '--val-images', '32', '--seed', '3', '--db', db];

test('kill -9 after an epoch, then resume: the run ends with the weights of an uninterrupted one', async () => {
  const a = join(dir, 'a.db'), b = join(dir, 'b.db');
  await killResumeAndCompare(train, EPOCHS, b, a);
  read(b, (s) => {
    assert.ok(s.listEpochs(1, null).every((e) => e.valAccuracy !== null && e.valAccuracy >= 0 && e.valAccuracy <= 1));
    assert.equal(s.listEvents(1).filter((e) => e.kind === 'spos-epoch').length, EPOCHS);
  }, undefined);
});

test('a search on --evaluator oneshot:RUN judges its candidates on the pool; wrong references are refused', () => {
  const db = join(dir, 'a.db');
  const r = cellscape(['search', '--strategy', 'random', '--space', space, '--evaluator', 'oneshot:1', '--budget', '4', '--workers', '1',
    '--latency-runtime', 'none', '--val-images', '32', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  read(db, (s) => {
    const done = s.listCandidates(2);
    assert.deepEqual(done.map((c) => c.status), ['done', 'done', 'done', 'done']);
    assert.ok(done.every((c) => c.metrics.accuracy! >= 0 && c.metrics.accuracy! <= 1 && c.metrics.params! > 0), JSON.stringify(done.map((c) => c.metrics)));
    assert.deepEqual(s.listEvents(2).filter((e) => e.kind === 'tensor-leak'), []);
  }, undefined);

  const none = cellscape(['search', '--strategy', 'random', '--space', space, '--evaluator', 'oneshot:9', '--db', db]);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /oneshot:9: run 9 of .* has no supernet checkpoint/);
  const other = cellscape(['search', '--strategy', 'random', '--evaluator', 'oneshot:1', '--db', db]);
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /the supernet is of the space tiny .*, the search's is darts-fmnist-small/);
});
