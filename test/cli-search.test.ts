/**
 * The search CLI end to end, as a user runs it: real processes, the pool of worker threads, the
 * table evaluator with a sleep per job so that a search lasts long enough to be interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();
const tablePath = writeNb201Table(dir);
const BUDGET = 24;
const searchArgs = (db: string, space = 'nb201') => ['search', '--space', space, '--evaluator', `table:${tablePath}`,
  '--accuracy-col', 'accuracy', '--latency-col', 'latency_ms', '--params-col', 'params', '--budget', String(BUDGET),
  '--population', '6', '--sample', '3', '--workers', '2', '--seed', '11', '--eval-delay-ms', '80', '--db', db];

function cellscape(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts a search and resolves once `done` candidates are stored, with the still-running child. */
async function startAndWait(db: string, done: number, space?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...searchArgs(db, space)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  let gone = false;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { gone = true; r(code); }));
  // As long as the search runs (a loaded machine starts its workers slowly), within 5 minutes.
  for (let i = 0; i < 3000 && !gone; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const store = openStore(db, { readonly: true });
      const n = store.getRunSummary(1)?.counts.done ?? 0;
      store.close();
      if (n >= done) return { child, exited, output: () => out };
    } catch { /* not created yet */ }
  }
  child.kill('SIGKILL');
  throw new Error(`search did not reach ${done} done candidates:\n${out}`);
}

function candidates(db: string) {
  const store = openStore(db, { readonly: true });
  try {
    return { run: store.getRun(1)!, list: store.listCandidates(1).map((c) => ({ key: c.key, status: c.status, accuracy: c.metrics.accuracy, parentIds: c.parentIds })) };
  } finally {
    store.close();
  }
}

let reference: ReturnType<typeof candidates>['list'];
test('an uninterrupted search finishes with its budget of distinct candidates and prints the front', () => {
  const db = join(dir, 'straight.db');
  const r = cellscape(searchArgs(db));
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /run 1 finished: 24 done, 0 failed of 24/);
  assert.match(r.out, /Pareto front on accuracy, latency_ms/);
  const { run, list } = candidates(db);
  assert.equal(run.status, 'finished');
  assert.equal(list.length, BUDGET);
  assert.equal(new Set(list.map((c) => c.key)).size, BUDGET);
  reference = list;
});

test('kill -9 mid-search, then resume: the same candidates as the uninterrupted run, each stored once', async () => {
  const db = join(dir, 'killed.db');
  const { child, exited } = await startAndWait(db, 8);
  child.kill('SIGKILL');
  await exited;
  const mid = candidates(db);
  assert.equal(mid.run.status, 'running');
  assert.ok(mid.list.some((c) => c.status === 'running'), 'killed with evaluations running');
  assert.ok(mid.list.length < BUDGET);

  // The run's heartbeats are fresh: resume refuses to run it twice unless told the process is gone.
  const refused = cellscape(['resume', '1', '--db', db]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /looks alive in another process.*--force/);

  const r = cellscape(['resume', '1', '--db', db, '--force']);
  assert.equal(r.code, 0, r.out + r.err);
  const after = candidates(db);
  assert.equal(after.run.status, 'finished');
  assert.deepEqual(after.list, reference);
});

test('Ctrl-C stops cleanly (status stopped, how to resume), and resume completes the same run', async () => {
  const db = join(dir, 'interrupted.db');
  const { child, exited, output } = await startAndWait(db, 6);
  child.kill('SIGINT');
  assert.equal(await exited, 130, output());
  assert.match(output(), new RegExp(`Resume with: cellscape resume 1 --db ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const mid = candidates(db);
  assert.equal(mid.run.status, 'stopped');
  assert.ok(!mid.list.some((c) => c.status === 'running'));
  const r = cellscape(['resume', '1', '--db', db]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(candidates(db).list, reference);
  assert.equal(cellscape(['resume', '1', '--db', db]).err.includes('run 1 is finished; nothing to resume'), true);
});

test('bad input: errors name the flag or the run, and stored runs are left as they were', () => {
  const db = join(dir, 'straight.db');
  const before = readFileSync(db);
  const cases: [string[], RegExp][] = [
    [['search', '--budget', 'many', '--db', db], /--budget 'many'/],
    [['search', '--strategy', 'annealing', '--db', db], /--strategy 'annealing'/],
    [['search', '--bogus', '--db', db], /Unknown option '--bogus'/],
    [['search', '--executor', 'queue', '--db', db], /--executor queue: needs --redis URL/],
    [['search', '--evaluator', 'table:/no/such.csv', '--accuracy-col', 'a', '--db', db], /\/no\/such\.csv: cannot read/],
    [['search', '--space', 'nb201', '--evaluator', `table:${tablePath}`, '--accuracy-col', 'top1', '--db', db], /no column 'top1'/],
    [['resume', '7', '--db', db], /no run 7 in/],
    [['resume', 'latest', '--db', db], /RUN 'latest': expected a run id/],
    [['show', '1', '--db', join(dir, 'missing.db')], /--db .*missing\.db: no such database/],
    [['search', '--objectives', 'accuracy,latencyMs', '--db', db], /--objectives: 'latencyMs' is now called 'latency_ms'/],
    [['search', '--objectives', 'accuracy,energy', '--db', db], /--objectives: unknown 'energy'; choose from accuracy, miou/],
  ];
  for (const [args, message] of cases) {
    const r = cellscape(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, message);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
  assert.deepEqual(readFileSync(db), before);

  const notADb = join(dir, 'notes.db');
  writeFileSync(notADb, 'my notes, not a database\n');
  const r = cellscape(['runs', '--db', notADb]);
  assert.equal(r.code, 1, 'the file is there but is no database: an environment error');
  assert.match(r.err, /--db .*notes\.db.* not a readable SQLite database \(file is not a database\)/);
  assert.equal(readFileSync(notADb, 'utf8'), 'my notes, not a database\n');
});

test('resume refuses a run whose space file changed since it started', async () => {
  const spaceCopy = join(dir, 'my-space.json');
  copyFileSync(resolveSpacePath('nb201'), spaceCopy);
  const db = join(dir, 'changed.db');
  // Killed once it has stored a result (a fixed wait is too short on a loaded machine).
  const { child, exited } = await startAndWait(db, 1, spaceCopy);
  child.kill('SIGKILL');
  await exited;
  const def = JSON.parse(readFileSync(spaceCopy, 'utf8'));
  def.cell.ops = def.cell.ops.filter((op: string) => op !== 'avg_pool_3x3');
  writeFileSync(spaceCopy, JSON.stringify(def));
  const r = cellscape(['resume', '1', '--db', db, '--force']);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.err, /the space .*my-space\.json changed since the run started/);
  assert.equal(candidates(db).run.status, 'running', 'the run is untouched');
});

test('runs lists the runs; show --json gives config, front and failures', () => {
  const db = join(dir, 'straight.db');
  const runs = cellscape(['runs', '--db', db]);
  assert.equal(runs.code, 0);
  assert.match(runs.out, /1\s+finished\s+moo\s+nb201\s+24\/24/);
  const shown = cellscape(['show', '1', '--db', db, '--json']);
  assert.equal(shown.code, 0, shown.err);
  const j = JSON.parse(shown.out);
  assert.equal(j.run.status, 'finished');
  assert.equal(j.run.config.budget, BUDGET);
  assert.ok(j.front.length > 0);
  assert.deepEqual(j.failures, []);
  // The front is non-dominated: no member has both higher accuracy and lower latency than another.
  for (const a of j.front) for (const b of j.front) assert.ok(!(a.metrics.accuracy > b.metrics.accuracy && a.metrics.latency_ms < b.metrics.latency_ms));
});
