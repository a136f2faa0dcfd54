import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createPoolExecutor } from '../search/executor/pool.ts';
import { createInProcessExecutor } from '../search/executor/in-process.ts';
import { loadTable } from '../search/evaluate/table.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import type { Executor } from '../search/executor/types.ts';
import type { Outcome } from '../search/contracts/outcome.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';
import { job, tempDir, writeNb201Table } from './executor-fixtures.ts';

const fixture = new URL('./executor-fixture-worker.ts', import.meta.url).href;
const dir = tempDir();
const tablePath = writeNb201Table(dir);
const columns = { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms', params: 'params' } };
const table = loadTable(tablePath, columns);

const cells: TabularCellGenotype[] = [
  { nodes: [['nor_conv_3x3'], ['skip_connect', 'nor_conv_1x1'], ['none', 'avg_pool_3x3', 'nor_conv_3x3']] },
  { nodes: [['none'], ['none', 'none'], ['none', 'none', 'none']] },
  { nodes: [['nor_conv_1x1'], ['nor_conv_3x3', 'skip_connect'], ['skip_connect', 'none', 'nor_conv_3x3']] },
  { nodes: [['avg_pool_3x3'], ['skip_connect', 'skip_connect'], ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3']] },
];
const tableTask = (i: number, delayMs = 0): EvalTask => ({
  job: job(i, `c${i}`, cells[i]), evaluator: { kind: 'table', path: tablePath, columns, delayMs },
});
const fixtureTask = (id: number, key: string): EvalTask => ({ job: job(id, key), evaluator: { kind: 'proxy' } });

async function runAll(ex: Executor, tasks: EvalTask[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < tasks.length; i += ex.slots) {
    out.push(...await Promise.all(tasks.slice(i, i + ex.slots).map((t) => ex.start(t).done)));
  }
  return out;
}

for (const [name, make] of [
  ['pool of 2', () => createPoolExecutor({ workers: 2, heartbeatMs: 50 })],
  ['in-process', createInProcessExecutor],
] as const) {
  test(`${name}: table jobs answer with the table's row for each architecture`, async () => {
    const ex = make();
    try {
      const outcomes = await runAll(ex, cells.map((_, i) => tableTask(i, 30)));
      outcomes.forEach((o, i) => {
        assert.ok(o.ok, JSON.stringify(o));
        const row = table.rows.get(formatNb201(cells[i]))!;
        assert.deepEqual(o.result.metrics, row, 'the row, under the metric names');
        assert.equal(o.tensors, null);
      });
      if (ex.slots === 2) {
        const workers = new Set(outcomes.map((o) => o.ok && o.result.worker));
        assert.equal(workers.size, 2, 'both workers took jobs');
      }
    } finally {
      await ex.close();
    }
  });

  test(`${name}: a table that lacks the architecture, or a missing table file, is a usage failure`, async () => {
    const ex = make();
    try {
      const [missingFile] = await runAll(ex, [{ ...tableTask(0), evaluator: { kind: 'table', path: join(dir, 'nope.csv'), columns } }]);
      assert.ok(!missingFile.ok && missingFile.kind === 'usage', JSON.stringify(missingFile));
      assert.match(missingFile.error, /nope\.csv: cannot read/);
      const wrongSpace = { ...tableTask(0), job: { ...tableTask(0).job, genotype: { nodes: [['nor_conv_3x3']] } } };
      const [o] = await runAll(ex, [wrongSpace]);
      assert.ok(!o.ok, JSON.stringify(o));
    } finally {
      await ex.close();
    }
  });

  test(`${name}: a task naming no registered evaluator, or one whose spec is wrong, is a usage failure that says so`, async () => {
    const ex = make();
    try {
      const [unknown, noColumns] = await runAll(ex, [
        { ...tableTask(0), evaluator: { kind: 'oracle' } },
        { ...tableTask(1), evaluator: { kind: 'table', path: tablePath } },
      ]);
      assert.ok(!unknown.ok && unknown.kind === 'usage', JSON.stringify(unknown));
      assert.match(unknown.error, /unknown evaluator 'oracle'; known: proxy, seg-proxy, table/);
      assert.ok(!noColumns.ok && noColumns.kind === 'usage', JSON.stringify(noColumns));
      assert.match(noColumns.error, /evaluator 'table': columns: /);
    } finally {
      await ex.close();
    }
  });
}

test('pool: a job that throws, a worker that exits and one over its memory limit each fail with their kind; the pool goes on', async () => {
  const ex = createPoolExecutor({ workers: 2, filename: fixture, heartbeatMs: 50, maxMemoryMb: 48 });
  try {
    const [thrown, exited] = await runAll(ex, [fixtureTask(1, 'throw'), fixtureTask(2, 'exit')]);
    assert.deepEqual([thrown.ok, !thrown.ok && thrown.kind], [false, 'error']);
    assert.ok(!thrown.ok && /diverged at candidate 1/.test(thrown.error));
    assert.deepEqual([exited.ok, !exited.ok && exited.kind], [false, 'crash'], JSON.stringify(exited));
    const [oom] = await runAll(ex, [fixtureTask(3, 'oom')]);
    assert.deepEqual([oom.ok, !oom.ok && oom.kind], [false, 'oom'], JSON.stringify(oom));
    const after = await runAll(ex, [fixtureTask(40, 'ok'), fixtureTask(41, 'ok')]);
    assert.deepEqual(after.map((o) => o.ok && o.result.metrics.accuracy), [0.4, 0.41]);
  } finally {
    await ex.close();
  }
});

test('pool: a hung worker stops beating while a busy one beats; aborting it frees the slot for a fresh worker', async () => {
  const ex = createPoolExecutor({ workers: 2, filename: fixture, heartbeatMs: 40 });
  try {
    const marker = join(dir, 'hung-once');
    const hung = ex.start(fixtureTask(1, 'hang'));
    const slow = ex.start(fixtureTask(2, 'sleep:2500'));
    const pause = () => new Promise((r) => setTimeout(r, 400));
    // Wait until both workers have picked their task up (the start is a beat too).
    const created = [hung.lastBeat(), slow.lastBeat()];
    while (hung.lastBeat() === created[0] || slow.lastBeat() === created[1]) await pause();
    await pause();
    const [h1, s1] = [hung.lastBeat(), slow.lastBeat()];
    await pause();
    assert.equal(hung.lastBeat(), h1, 'the hung worker showed no sign of life');
    assert.ok(slow.lastBeat() > s1, 'the busy worker kept beating');
    hung.abort('stale', 'no heartbeat');
    assert.deepEqual(await hung.done, { ok: false, kind: 'stale', error: 'no heartbeat' });
    await slow.done;
    const retried = ex.start(fixtureTask(2, `once-hang:${marker}`));
    await new Promise((r) => setTimeout(r, 300));
    retried.abort('stale', 'no heartbeat');
    assert.equal((await retried.done).ok, false);
    const again = await ex.start(fixtureTask(2, `once-hang:${marker}`)).done;
    assert.ok(again.ok, 'the retry on a fresh worker succeeds');
  } finally {
    await ex.close();
  }
});

test('pool: a worker that dies or is stopped holding the latency lock does not leave the others waiting for it', async () => {
  const ex = createPoolExecutor({ workers: 2, filename: fixture, heartbeatMs: 40 });
  const within = <T>(p: Promise<T>, what: string) => Promise.race([
    p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting for the lock`)), 8000).unref()),
  ]);
  try {
    const [died] = await runAll(ex, [fixtureTask(1, 'hold-exit')]);
    assert.ok(!died.ok && died.kind === 'crash', JSON.stringify(died));
    const measured = await within(ex.start(fixtureTask(2, 'exclusive')).done, 'after a crash');
    assert.ok(measured.ok);

    const hung = ex.start(fixtureTask(3, 'hold-hang'));
    await new Promise((r) => setTimeout(r, 500));
    hung.abort('timeout', 'over its time limit');
    assert.equal((await hung.done).ok, false);
    const again = await within(ex.start(fixtureTask(4, 'exclusive')).done, 'after a stopped worker');
    assert.ok(again.ok);
  } finally {
    await ex.close();
  }
});
