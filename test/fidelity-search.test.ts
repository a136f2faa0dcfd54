/**
 * Multi-fidelity search through the CLI, over the synthetic table with a column per epoch budget
 * (a formula, not measurements): rungs stored with their budgets, promotions by ASHA's rule, the
 * candidate holding its highest rung's result; and a search killed with SIGKILL while promotions
 * run, twice, then resumed, keeps every rung exactly once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Rung } from '../search/store/store.ts';
import { orderWithinRung } from '../search/strategies/fidelity/asha.ts';
import { main } from '../search/cli.ts';
import { tempDir, writeNb201CurveTable } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const table = writeNb201CurveTable(dir, [1, 3, 9]);
const BUDGET = 27;

const searchArgs = (db: string, delayMs: number, extra: string[] = []) => ['search', '--space', 'nb201', '--strategy', 'evolution',
  '--evaluator', `table:${table}`, '--col', 'accuracy=acc_{epochs},latency_ms=latency_ms', '--fidelity', 'asha', '--epochs', '9',
  '--budget', String(BUDGET), '--population', '6', '--sample', '3', '--workers', '2', '--eval-delay-ms', String(delayMs),
  '--max-attempts', '1', '--seed', '4', '--db', db, ...extra];

function cellscape(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

/** A command run in this process (no start-up of its own), with what it printed. */
async function inProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    return { status: await main(args), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}

function read<T>(db: string, fn: (s: ReturnType<typeof openStore>) => T, fallback: T): T {
  try {
    const store = openStore(db, { readonly: true });
    try {
      return fn(store);
    } finally {
      store.close();
    }
  } catch {
    return fallback; // not created yet
  }
}

/** What every finished multi-fidelity run must hold: each candidate once per rung, budgets by rung, ASHA's promotions, the candidate's metrics its top rung's. */
function checkRungs(db: string, epochsOfRung: number[], eta: number): Rung[] {
  return read(db, (store) => {
    const rungs = store.listRungs(1);
    const candidates = store.listCandidates(1);
    assert.equal(candidates.length, BUDGET);
    assert.deepEqual(rungs.filter((r) => r.status !== 'done').map((r) => `${r.candidateId}@${r.rung} ${r.status}: ${r.error}`), []);
    assert.ok(rungs.every((r) => r.attempts === 1), `attempts: ${rungs.map((r) => r.attempts).join(',')}`);
    for (const r of rungs) assert.equal(r.budget.epochs, epochsOfRung[r.rung], `budget of rung ${r.rung}`);
    for (const c of candidates) {
      const own = rungs.filter((r) => r.candidateId === c.id);
      assert.ok(own.length >= 1, `candidate ${c.id} has a rung`);
      // Consecutive rungs from its bracket's first; its metrics are the highest one's.
      assert.deepEqual(own.map((r) => r.rung), own.map((_, i) => own[0].rung + i));
      assert.deepEqual(c.metrics, own.at(-1)!.metrics);
    }
    for (let k = 0; k < epochsOfRung.length - 1; k++) {
      const here = rungs.filter((r) => r.rung === k && r.bracket === 0).map((r) => ({ candidate: r.candidateId, metrics: r.metrics! }));
      const top = orderWithinRung(here, { kind: 'fitness', fitness: { kind: 'metric', metric: 'accuracy' }, constraints: [] }).slice(0, Math.floor(here.length / eta));
      for (const id of top) assert.ok(rungs.some((r) => r.candidateId === id && r.rung === k + 1), `rung ${k}'s top candidate ${id} was promoted`);
    }
    return rungs;
  }, []);
}

test('search --fidelity asha: every rung stored with its budget, the top 1/eta promoted, the front at the top rung', async () => {
  const db = join(dir, 'asha.db');
  const r = await inProcess(searchArgs(db, 60));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /asha eta 3, rungs of 1\/3\/9 epochs/);
  const rungs = checkRungs(db, [1, 3, 9], 3);
  const at = (k: number) => rungs.filter((x) => x.rung === k).length;
  assert.equal(at(0), BUDGET);
  assert.ok(at(1) >= 9 && at(2) >= 3, `rung sizes ${at(0)}/${at(1)}/${at(2)}`);
  assert.match(r.stdout, new RegExp(`rungs: ${at(0)} at rung 0, ${at(1)} at rung 1, ${at(2)} at rung 2`));
  assert.match(r.stdout, new RegExp(`Pareto front on accuracy, latency_ms at the highest rung reached \\(\\d+ of ${at(2)}\\)`));
  // The synthetic curves rise with epochs: a promoted candidate's rung results form a rising curve.
  const curve = rungs.filter((x) => x.candidateId === rungs.find((y) => y.rung === 2)!.candidateId).map((x) => x.metrics!.accuracy!);
  assert.ok(curve[0] < curve[2], `learning curve ${curve.join(' ')}`);
});

test('search --fidelity hyperband: candidates enter at their bracket\'s rung; flags without --fidelity or a table without budget columns are refused', async () => {
  const db = join(dir, 'hyperband.db');
  const r = await inProcess(searchArgs(db, 30).map((a) => (a === 'asha' ? 'hyperband' : a)));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rungs = checkRungs(db, [1, 3, 9], 3);
  const first = new Map<number, Rung>();
  for (const x of rungs) if (!first.has(x.candidateId)) first.set(x.candidateId, x);
  assert.deepEqual([...new Set([...first.values()].map((x) => x.bracket))].sort(), [0, 1, 2]);
  for (const x of first.values()) assert.equal(x.rung, x.bracket);

  const noFidelity = await inProcess(['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--eta', '3', '--db', join(dir, 'x.db')]);
  assert.notEqual(noFidelity.status, 0);
  assert.match(noFidelity.stderr, /--eta: only with --fidelity asha\|hyperband/);
  const flat = await inProcess(['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--fidelity', 'asha', '--epochs', '9', '--db', join(dir, 'x.db')]);
  assert.match(flat.stderr, /--fidelity: rungs over epochs would all read the same column of the table/);
  const small = await inProcess([...searchArgs(join(dir, 'x.db'), 0), '--rungs', '4', '--rung-by', 'epochs']);
  assert.match(small.stderr, /--fidelity asha: 4 rungs at eta 3 over epochs need a top budget of at least 27 epochs/);
});

/** Runs the command in its own process group and kill -9s it once a promotion (a rung above 0) is running. */
async function killDuringPromotion(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const db = args[args.indexOf('--db') + 1];
  const promoting = () => read(db, (s) => s.listRungs(1).some((r) => r.rung > 0 && r.status === 'running'), false);
  for (let i = 0; i < 2400 && !promoting(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(promoting(), 'a promotion started');
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

test('kill -9 during promotions, twice, then resume: every rung evaluated once, none lost, ASHA\'s promotions complete', async () => {
  const db = join(dir, 'killed.db');
  await killDuringPromotion(searchArgs(db, 900));
  const before = read(db, (s) => s.listRungs(1).filter((r) => r.status === 'done').length, 0);
  await killDuringPromotion(['resume', '1', '--force', '--db', db]);
  const r = cellscape(['resume', '1', '--force', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rungs = checkRungs(db, [1, 3, 9], 3);
  assert.ok(rungs.length > before, 'the resumed sittings added rungs');
  const events = read(db, (s) => s.listEvents(1).map((e) => e.message).join('\n'), '');
  assert.match(events, /promotion\(s\) interrupted by the end of the search process requeued/);
  assert.equal(read(db, (s) => (s.getRun(1)!.state as { told: number }).told, 0), BUDGET, 'the strategy was told every candidate once');
});
