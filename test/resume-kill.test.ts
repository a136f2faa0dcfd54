/**
 * A kill of the search process is not charged to the candidates it was evaluating: killed with
 * kill -9 as soon as evaluations start, three times over, with --max-attempts 1, the run still
 * finishes with every candidate done at one counted attempt.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'runs.db');
const table = writeNb201Table(dir);
const BUDGET = 8;

function statuses(): string[] {
  try {
    const store = openStore(db, { readonly: true });
    try {
      return store.listCandidates(1).map((c) => c.status);
    } finally {
      store.close();
    }
  } catch {
    return []; // not created yet
  }
}

/** Runs the command in its own process group and kill -9s the group once an evaluation is running. */
async function killOnceRunning(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 600 && !statuses().includes('running'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statuses().includes('running'), 'an evaluation started');
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

test('kill -9 of the search during evaluations, three times, then resume: nothing charged, all done', async () => {
  await killOnceRunning(['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy',
    '--latency-col', 'latency_ms', '--budget', String(BUDGET), '--population', '4', '--sample', '2', '--workers', '2',
    '--eval-delay-ms', '400', '--max-attempts', '1', '--seed', '5', '--db', db]);
  for (let i = 0; i < 2; i++) await killOnceRunning(['resume', '1', '--force', '--db', db]);
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'resume', '1', '--force', '--db', db], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const store = openStore(db, { readonly: true });
  try {
    const list = store.listCandidates(1);
    assert.equal(list.length, BUDGET);
    assert.deepEqual(list.filter((c) => c.status !== 'done').map((c) => `${c.id} ${c.status}: ${c.error}`), []);
    assert.ok(list.every((c) => c.attempts === 1), `attempts: ${list.map((c) => c.attempts).join(',')}`);
    assert.match(store.listEvents(1).map((e) => e.message).join('\n'), /interrupted by the end of the search process requeued/);
  } finally {
    store.close();
  }
});
