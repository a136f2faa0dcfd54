/** Pre-screening (strategies/prescreen.ts): the vote, the cut, and a screened evolution, pure; then `search --prescreen` end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawsFor, screen, voteScores, withPrescreen } from '../search/strategies/prescreen.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import type { Proposal } from '../search/strategies/types.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';
import { openStore } from '../search/store/store.ts';
import { networkScorer } from '../search/run/screen-scorer.ts';
import { nb201Space, syntheticMetrics } from './strategy-fixtures.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';
import { redisMissing, startRedis, startWorker } from './queue-fixtures.ts';
import { cellscapeInProcess } from './cli-in-process.ts';

test('the vote is the mean rank over the proxies; an undefined score ranks last', () => {
  assert.deepEqual(voteScores([[3], [1], [2]]), [3, 1, 2]);
  // Proxy a orders 0 > 1 > 2, proxy b orders 2 > 1 > 0: row 1 is second by both, the others tie.
  assert.deepEqual(voteScores([[9, 1], [5, 5], [1, 9]]), [2, 2, 2]);
  // a ranks the undefined row first-worst: [1, 3, 2]; b: [2, 1, 3].
  assert.deepEqual(voteScores([[NaN, 2], [0, 1], [-5, 3]]), [1.5, 2, 2.5]);
  assert.deepEqual(voteScores([]), []);
});

test('screen keeps the n best by the vote, in drawn order, ties to the earlier', () => {
  assert.deepEqual(screen([[1], [4], [3], [2]], 2), [1, 2]);
  assert.deepEqual(screen([[1], [1], [1]], 2), [0, 1]);
  assert.deepEqual(screen([[5, 0], [4, 9], [0, 8], [NaN, 1]], 1), [1]);
  assert.deepEqual(screen([[1], [2]], 5), [0, 1]);
  assert.equal(drawsFor(1, 0.25), 4);
  assert.equal(drawsFor(3, 0.3), 10);
  assert.equal(drawsFor(4, 1), 4);
});

test('a screened aging evolution evaluates only the best share of what it draws, never draws a rejected cell again, and resumes', () => {
  const space = nb201Space();
  const accuracy = (p: Proposal<TabularCellGenotype>) => syntheticMetrics(p.genotype).accuracy!;
  let drawn: Proposal<TabularCellGenotype>[] = [];
  const make = (start: { seed: number } | { state: unknown }) => withPrescreen(
    createAgingEvolution(space, { populationSize: 8, sampleSize: 3 }, start),
    { keep: 0.25, label: 'accuracy', score: (ps) => { drawn = [...ps]; return ps.map((p) => [accuracy(p)]); } },
  );
  const round = (s: ReturnType<typeof make>): string[] => {
    const batch = s.ask(2);
    s.tell(batch.map((p) => ({ key: p.key, metrics: syntheticMetrics(p.genotype) })));
    return batch.map((p) => p.key);
  };
  const s = make({ seed: 4 });
  const everDrawn: string[] = [];
  const kept: string[][] = [];
  let saved: unknown;
  for (let i = 0; i < 12; i++) {
    kept.push(round(s));
    assert.equal(drawn.length, 8);
    // The two kept are the two best of the eight drawn.
    const best = [...drawn].sort((a, b) => accuracy(b) - accuracy(a)).slice(0, 2).map((p) => p.key).sort();
    assert.deepEqual([...kept[i]].sort(), best);
    everDrawn.push(...drawn.map((p) => p.key));
    if (i === 5) saved = JSON.parse(JSON.stringify(s.state()));
  }
  assert.equal(new Set(everDrawn).size, everDrawn.length, 'a screened-out cell is never drawn again');
  // Restored after round 6 and told the same, it keeps exactly what the uninterrupted one kept.
  const restored = make({ state: saved });
  assert.deepEqual(Array.from({ length: 6 }, () => round(restored)), kept.slice(6));
});

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();

function screenedSearch(db: string, table: string, more: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', '--space', 'nb201', '--strategy', 'evolution',
    '--evaluator', `table:${table}`, '--col', 'accuracy=accuracy,params=params', '--budget', '3', '--population', '4', '--sample', '2', '--in-flight', '2',
    '--workers', '1', '--seed', '5', '--prescreen', 'zc:synflow', '--keep', '0.25', '--db', db, ...more], { cwd: root, encoding: 'utf8', timeout: 300_000 });
}

function doneKeys(db: string): string[] {
  const store = openStore(db, { readonly: true });
  try {
    return store.listCandidates(1, { status: 'done' }).map((c) => c.key);
  } finally {
    store.close();
  }
}

const table = writeNb201Table(dir);

test('search --prescreen zc:synflow on a table: the first proposals are the best by synflow of those the evolution drew', async () => {
  const db = join(dir, 'screen.db');
  const r = screenedSearch(db, table);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /pre-screened by synflow keeping 25 %/);
  const done = doneKeys(db);
  assert.equal(done.length, 3);
  const store = openStore(db, { readonly: true });
  const run = store.getRun(1)!;
  store.close();
  // Replay the first ask: evolution from the run's seed draws 2 / 0.25 = 8 samples; synflow keeps 2.
  const drawn = createAgingEvolution(nb201Space(), { populationSize: 4, sampleSize: 2 }, { seed: run.seed }).ask(8);
  const score = await networkScorer(run, ['synflow']);
  assert.deepEqual(done.slice(0, 2), screen(score(drawn), 2).map((i) => drawn[i].key));
});

test('on the queue executor the same screened search evaluates the same candidates', { skip: redisMissing() }, async () => {
  const redis = await startRedis();
  const worker = await startWorker(redis.url, ['--queue', 'screened']);
  try {
    const db = join(dir, 'queue.db');
    const r = screenedSearch(db, table, ['--executor', 'queue', '--redis', redis.url, '--queue', 'screened']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(doneKeys(db), doneKeys(join(dir, 'screen.db')));
  } finally {
    await worker.stop();
    await redis.stop();
  }
});

test('--prescreen goes with evolution or moo, names known proxies, and --keep needs it', async () => {
  const cli = (...a: string[]) => cellscapeInProcess(['search', '--budget', '1', '--db', join(dir, 'bad.db'), ...a]);
  const expect = async (args: string[], message: RegExp) => {
    const r = await cli(...args);
    assert.equal(r.code, 2);
    assert.match(r.err, message);
  };
  await expect(['--strategy', 'random', '--prescreen', 'zc:synflow'], /--prescreen: only with --strategy evolution or moo/);
  await expect(['--strategy', 'evolution', '--prescreen', 'vote:synflow,snp'], /unknown zero-cost proxy 'snp'/);
  await expect(['--strategy', 'evolution', '--keep', '0.5'], /--keep: only with --prescreen/);
  await expect(['--strategy', 'evolution', '--prescreen', 'zc:synflow', '--keep', '0'], /--keep '0'/);
});
