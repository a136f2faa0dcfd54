/**
 * kill -9 of a DARTS search during an epoch, then `cellscape resume`: the run ends with the alphas
 * of the same search run without interruption. Both runs are CLI processes on a tiny space
 * (Fashion-MNIST, 16 images per half, a 3-cell supernet of 4 channels, partial channels and
 * DrNAS's sampled weights, whose generator must also pick up where it was). The same holds for
 * the simultaneous update with its halves on 2 workers, against the update in one thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { tempDir } from './executor-fixtures.ts';
import { writeTinyCell } from './tiny-cell.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();
const space = writeTinyCell(dir);
const ARGS = ['search', '--strategy', 'darts', '--space', space, '--epochs', '3', '--train-images', '16', '--val-images', '16', '--batch-size', '4',
  '--partial-channels', '2', '--remedy', 'drnas', '--no-augment', '--no-final', '--latency-runtime', 'none', '--seed', '3'];

function read<T>(db: string, f: (s: ReturnType<typeof openStore>) => T, fallback: T): T {
  try {
    const store = openStore(db, { readonly: true });
    try { return f(store); } finally { store.close(); }
  } catch {
    return fallback; // not created yet
  }
}

const lastAlphas = (db: string, runId: number): number[] => read(db, (s) => s.listArchSnapshots(runId).slice(-2).flatMap((x) => x.weights.edges.flatMap((e) => e.weights)), []);

/** Kills run 1 (`killed` flags) during its second epoch, resumes it, runs 2 (`whole` flags) without a stop, and compares their alphas. */
async function killResumeCompare(name: string, killed: string[], whole: string[]): Promise<void> {
  const db = join(dir, `${name}.db`);
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...ARGS, ...killed, '--db', db], { cwd: root, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  // Once the first epoch is committed the process is inside the second one (4 steps of a few hundred ms).
  for (let i = 0; i < 2400 && read(db, (s) => s.listEpochs(1, null).length, 0) < 1; i++) await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  const killedAt = read(db, (s) => s.listEpochs(1, null).length, 0);
  assert.ok(killedAt >= 1 && killedAt < 3, `killed after ${killedAt} committed epochs, with epochs still to run`);
  const resumed = spawnSync(process.execPath, ['--import', 'tsx', cli, 'resume', '1', '--force', '--db', db], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
  const uninterrupted = spawnSync(process.execPath, ['--import', 'tsx', cli, ...ARGS, ...whole, '--db', db], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(uninterrupted.status, 0, uninterrupted.stdout + uninterrupted.stderr);
  assert.deepEqual(read(db, (s) => s.listEpochs(1, null).map((e) => e.epoch), []), [0, 1, 2]);
  assert.equal(read(db, (s) => s.getRun(1)!.status, ''), 'finished');
  const a = lastAlphas(db, 1), b = lastAlphas(db, 2);
  assert.equal(a.length, 2 * 5 * 4);
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(diff < 1e-6, `largest softmax difference ${diff}`);
  assert.deepEqual(read(db, (s) => s.listEpochs(1, null).at(-1)!.genotype, null), read(db, (s) => s.listEpochs(2, null).at(-1)!.genotype, undefined));
}

test('kill -9 during a DARTS epoch, then resume: the alphas match an uninterrupted run', async () => {
  await killResumeCompare('alternating', [], []);
});

test('kill -9 during an epoch of the simultaneous update on 2 workers, then resume: the alphas match the update run in one thread', async () => {
  await killResumeCompare('simultaneous', ['--update', 'simultaneous', '--data-parallel', '2'], ['--update', 'simultaneous']);
});
