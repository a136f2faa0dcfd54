/**
 * The explorer on a Zero-Cost-PT run (`--epochs 0 --selection pt --pt-criterion jacob_cov`), made
 * for real on a tiny space: such a run stores no epoch and no alpha snapshot, only one event a
 * selection move and the selected genotype. The API answers its criterion, every move as stored
 * and the genotype (an unreadable move left out; an alpha-selected run: no selection).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startExplorer, type Explorer } from '../explorer/server/server.ts';
import { writeSampleDartsRun } from '../explorer/sample-runs.ts';
import type { DartsAnswer } from '../explorer/server/api-types.ts';
import { initBackend } from '../search/backend/index.ts';
import { runDarts, type DartsOutcome } from '../search/run/drivers/darts.ts';
import type { DartsConfig } from '../search/strategies/darts/config.ts';
import { fetchJson, tempDb } from './explorer-helpers.ts';

type EdgeMove = { edge: number; kept: string; jacob_covWithout: Record<string, number> };
type NodeMove = { node: number; kept: number[]; jacob_covWithout: Record<string, number>[] };
type Stored = { move: number; normal: EdgeMove | NodeMove; reduce: EdgeMove | NodeMove };

let db: ReturnType<typeof tempDb>;
let explorer: Explorer;
let zc: DartsOutcome;
let alphaRun: number;
const stored = (): Stored[] => db.store.listEventsOfKind('darts-selection', zc.runId).map((e) => e.data as Stored).filter((d) => typeof d.move === 'number');

before(async () => {
  await initBackend();
  db = tempDb();
  // The tiny space of darts-pt.test.ts: 2 nodes a cell, so 5 edge moves and one node move (node 1 has three inputs).
  const space = join(dirname(db.path), 'tiny.json');
  writeFileSync(space, JSON.stringify({
    name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
    cell: { ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'], nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  }));
  zc = await runDarts({
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 0, warmupEpochs: 0, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, selection: { kind: 'pt', criterion: 'jacob_cov', valImages: 32, tuneSteps: 0 }, seed: 2,
  } as Partial<DartsConfig> as DartsConfig, db.store, { opLatency: () => 0.1, name: 'zero-cost-pt' });
  assert.equal(zc.status, 'finished');
  // What an older or foreign writer might leave: read past, never a 500.
  db.store.addEvent(zc.runId, { level: 'info', kind: 'darts-selection', message: 'not a move', data: { move: 'x' } });
  alphaRun = writeSampleDartsRun(db.store, { epochs: 3 });
  explorer = await startExplorer({ dbPath: db.path, port: 0 });
});

after(async () => {
  await explorer?.close();
  db?.cleanup();
});

test('the API answers a zero-epoch selection\'s criterion, every move as stored and the selected genotype', async () => {
  const d = await fetchJson<DartsAnswer>(explorer.url, `/api/runs/${zc.runId}/darts`);
  assert.deepEqual([d.epochs, d.normal, d.reduce], [[], null, null], 'no epoch, no alpha');
  const s = d.selection!;
  assert.deepEqual([s.criterion, s.valImages, s.tuneSteps], ['jacob_cov', 32, 0]);
  assert.deepEqual(s.genotype, zc.genotype, 'the genotype the run returned');
  const moves = stored();
  assert.equal(moves.length, 6);
  assert.deepEqual(s.moves.map((m) => m.move), moves.map((m) => m.move), 'the unreadable event is left out');
  s.moves.forEach((m, i) => {
    for (const t of ['normal', 'reduce'] as const) {
      const want = moves[i][t];
      const got = m[t];
      if ('edge' in want) assert.deepEqual(got, { kind: 'edge', edge: want.edge, kept: want.kept, without: { jacob_cov: want.jacob_covWithout } }, `${t} move ${i}`);
      else assert.deepEqual(got, { kind: 'node', node: want.node, kept: want.kept, rounds: want.jacob_covWithout.map((r) => ({ jacob_cov: r })) }, `${t} move ${i}`);
    }
  });
  assert.equal((await fetchJson<DartsAnswer>(explorer.url, `/api/runs/${alphaRun}/darts`)).selection, null, 'a cell read off the alphas has no selection');
});
