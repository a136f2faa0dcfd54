/**
 * A metric added as one registry entry (energy_mj, search/contracts/metrics.ts) is read from a
 * benchmark table, optimised and constrained by its generated flags, stored, shown and served by
 * the explorer, with no other code naming it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import { startExplorer } from '../explorer/server/server.ts';
import type { CandidatesAnswer, MetricsAnswer } from '../explorer/server/api-types.ts';
import { allTabularCells, syntheticRow } from './synthetic-nb201.ts';
import { tempDir } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

// The synthetic NB-201 benchmark with an energy column: a cell's energy grows with its latency
// and parameters (not a measurement; any numbers the table holds would do).
const def = JSON.parse(readFileSync(resolveSpacePath('nb201'), 'utf8')) as { cell: { ops: string[]; nodes: number } };
const energy = new Map<string, number>();
const lines = ['arch,accuracy,latency_ms,params,energy'];
for (const g of allTabularCells(def.cell.ops, def.cell.nodes)) {
  const r = syntheticRow(g, formatNb201(g));
  const e = Math.round((0.4 * r.latency_ms + r.params / 5000 + 0.05) * 1000) / 1000;
  energy.set(r.arch, e);
  lines.push(`${r.arch},${r.accuracy},${r.latency_ms},${r.params},${e}`);
}
const tablePath = join(dir, 'nb201-energy.csv');
writeFileSync(tablePath, lines.join('\n') + '\n');
const MAX_ENERGY = 1.5;

function cellscape(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

test('energy_mj: a table column, an objective, a --max-energy-mj bound, stored, shown and served', async () => {
  const db = join(dir, 'runs.db');
  const r = cellscape(['search', '--space', 'nb201', '--evaluator', `table:${tablePath}`, '--col', 'accuracy=accuracy,energy_mj=energy',
    '--objectives', 'accuracy,energy_mj', '--max-energy-mj', String(MAX_ENERGY), '--budget', '16', '--population', '6', '--sample', '3',
    '--workers', '1', '--seed', '3', '--db', db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Pareto front on accuracy, energy_mj/);

  const store = openStore(db, { readonly: true });
  const run = store.getRun(1)!;
  const done = store.listCandidates(1, { status: 'done' });
  store.close();
  assert.equal(done.length, 16);
  for (const c of done) {
    const arch = formatNb201(c.genotype as never);
    assert.deepEqual(Object.keys(c.metrics).sort(), ['accuracy', 'energy_mj'], 'what the table was asked for, nothing else');
    assert.equal(c.metrics.energy_mj, energy.get(arch), arch);
  }
  assert.deepEqual((run.config as { constraints: unknown }).constraints, [{ metric: 'energy_mj', max: MAX_ENERGY }]);

  const shown = cellscape(['show', '1', '--db', db, '--json']);
  const front = (JSON.parse(shown.stdout) as { front: { metrics: Record<string, number> }[] }).front;
  assert.ok(front.length > 0 && front.every((c) => typeof c.metrics.energy_mj === 'number'));

  const explorer = await startExplorer({ dbPath: db, port: 0 });
  try {
    const { metrics } = (await (await fetch(`${explorer.url}/api/metrics`)).json()) as MetricsAnswer;
    assert.deepEqual(metrics.find((m) => m.name === 'energy_mj')?.unit, 'mJ');
    const cols = (await (await fetch(`${explorer.url}/api/runs/1/candidates`)).json()) as CandidatesAnswer;
    assert.deepEqual(cols.columns.metrics.energy_mj, cols.columns.id.map((id) => done.find((c) => c.id === id)!.metrics.energy_mj));
    const f = await fetch(`${explorer.url}/api/runs/1/front?x=energy_mj&y=accuracy`);
    assert.equal(f.status, 200);
  } finally {
    await explorer.close();
  }
});

test('a table without a column for an objective is refused before the run starts, naming the flag to add', () => {
  const r = cellscape(['search', '--space', 'nb201', '--evaluator', `table:${tablePath}`, '--col', 'accuracy=accuracy',
    '--objectives', 'accuracy,energy_mj', '--db', join(dir, 'refused.db')]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /the table has no column for 'energy_mj' \(add --col energy_mj=COLUMN\)/);
});
