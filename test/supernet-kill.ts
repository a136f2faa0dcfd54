/**
 * The kill -9 and resume check the single-path supernet runs (spos-run, ofa-run) share: run the
 * CLI, SIGKILL it once its first epoch is committed, `resume` it, run the same command whole, and
 * require the resumed run to end on the uninterrupted run's weights to the bit.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { checkpointDir } from '../search/run/session.ts';
import { latestSupernetCheckpoint, readSupernetCheckpoint } from '../search/train/supernet-checkpoint.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');

export const cellscape = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });

/** f on the database, or `fallback` while it is not created yet (f's own assertions still throw). */
export function read<T>(db: string, f: (s: ReturnType<typeof openStore>) => T, fallback: T): T {
  let store;
  try {
    store = openStore(db, { readonly: true });
  } catch {
    return fallback;
  }
  try { return f(store); } finally { store.close(); }
}

const finalWeights = (db: string) => readSupernetCheckpoint(latestSupernetCheckpoint(checkpointDir(db, 1))!).train.weights;

/**
 * Run 1 of `killed` is `train(killed)` killed after its first committed epoch (of `epochs`) and
 * resumed; run 1 of `whole` is `train(whole)` uninterrupted. Asserts both finish and end on the
 * same weights; the caller checks what else the resumed run stored.
 */
export async function killResumeAndCompare(train: (db: string) => string[], epochs: number, killed: string, whole: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...train(killed)], { cwd: root, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 2400 && read(killed, (s) => { try { return s.listEpochs(1, null).length; } catch { return 0; } }, 0) < 1; i++) await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  const killedAt = read(killed, (s) => ({ epochs: s.listEpochs(1, null).length, status: s.getRun(1)!.status }), { epochs: 0, status: '' });
  assert.ok(killedAt.epochs >= 1 && killedAt.epochs < epochs && killedAt.status === 'running', JSON.stringify(killedAt));

  const resumed = cellscape(['resume', '1', '--db', killed]);
  assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
  const uninterrupted = cellscape(train(whole));
  assert.equal(uninterrupted.status, 0, uninterrupted.stdout + uninterrupted.stderr);

  read(killed, (s) => {
    assert.equal(s.getRun(1)!.status, 'finished');
    assert.deepEqual(s.listEpochs(1, null).map((e) => e.epoch), Array.from({ length: epochs }, (_, i) => i));
    assert.ok(s.listEvents(1).some((e) => e.kind === 'resume'));
  }, undefined);
  const [wa, wb] = [finalWeights(whole), finalWeights(killed)];
  assert.deepEqual(wb.map((w) => w.name), wa.map((w) => w.name));
  wa.forEach((w, i) => assert.deepEqual(wb[i].values, w.values, w.name));
}
