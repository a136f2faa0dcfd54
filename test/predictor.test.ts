/** The performance predictor (encoding, MLP ensemble) and the BANANAS strategy: pure, then `search --strategy bananas` on a table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encoderFor } from '../search/strategies/predictor/encode.ts';
import { fitMlp } from '../search/strategies/predictor/mlp.ts';
import { fitEnsemble } from '../search/strategies/predictor/ensemble.ts';
import { acquire, createBananas } from '../search/strategies/bananas.ts';
import { driveSearch } from '../search/strategies/drive.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { Genotype, TabularCellGenotype } from '../search/space/types.ts';
import type { Proposal } from '../search/strategies/types.ts';
import { openStore } from '../search/store/store.ts';
import { createRng } from '../search/util/rng.ts';
import { nb201Space, syntheticMetrics } from './strategy-fixtures.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';
import { cellscapeInProcess } from './cli-in-process.ts';

test('each space family encodes to a fixed length; a cell encoding marks each edge once', () => {
  const rng = createRng(1);
  for (const name of ['nb201', 'darts-fmnist-small', 'mobile-blocks', 'seg-cells', 'seg-blocks']) {
    const space = loadSpace(resolveSpacePath(name));
    const encode = encoderFor(space);
    const samples = Array.from({ length: 20 }, () => (space.sample as (r: typeof rng) => Genotype)(rng));
    const codes = samples.map(encode);
    assert.equal(new Set(codes.map((c) => c.length)).size, 1, `${name}: one length`);
    assert.ok(codes.every((c) => c.every(Number.isFinite)), name);
    // Different architectures, different codes (distinct keys of 20 samples).
    const byKey = new Map(samples.map((g, i) => [(space.key as (g: Genotype) => string)(g), codes[i].join(',')]));
    assert.equal(new Set(byKey.values()).size, byKey.size, `${name}: distinct architectures encode apart`);
    if (name === 'seg-blocks') {
      const g = samples[0] as Genotype & { outputStride?: number };
      assert.notDeepEqual(encode({ ...g, outputStride: 8 } as Genotype), encode({ ...g, outputStride: 32 } as Genotype), 'output stride is encoded');
    }
    if (space.family === 'tabular-cell') assert.ok(codes.every((c) => c.length === 30 && c.reduce((s, x) => s + x, 0) === 6));
    if (name === 'darts-fmnist-small') assert.ok(codes.every((c) => c.reduce((s, x) => s + x, 0) === 2 * 2 * 3), 'two edges into each of 3 nodes, two cells');
  }
});

test('an MLP learns a nonlinear function of binary features well beyond the mean', () => {
  const rng = createRng(2);
  const row = () => Array.from({ length: 12 }, () => (rng.next() < 0.5 ? 1 : 0));
  const f = (x: number[]) => x[0] + 2 * x[1] * x[2] - x[3] + 0.5 * Math.max(x[4], x[5]);
  const train = Array.from({ length: 150 }, row), test_ = Array.from({ length: 100 }, row);
  const model = fitMlp(train, train.map(f), createRng(3));
  const ys = test_.map(f);
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  const variance = ys.reduce((s, y) => s + (y - mean) ** 2, 0) / ys.length;
  const mse = test_.reduce((s, x, i) => s + (model(x) - ys[i]) ** 2, 0) / ys.length;
  assert.ok(mse < 0.1 * variance, `held-out mse ${mse} against variance ${variance}`);
});

test('the ensemble predicts near its data and is less sure far from it; the acquisitions rank by them', () => {
  const x = Array.from({ length: 30 }, (_, i) => [i / 30, 0]);
  const y = x.map(([a]) => 2 * a);
  const predict = fitEnsemble(x, y, createRng(4), { members: 5 });
  const near = predict([0.5, 0]), far = predict([0.5, 8]);
  assert.ok(Math.abs(near.mean - 1) < 0.15, JSON.stringify(near));
  assert.ok(far.std > 2 * near.std, `spread near ${near.std}, far ${far.std}`);
  assert.deepEqual(acquire([{ mean: 1, std: 0 }, { mean: 0.5, std: 1 }], { acquisition: 'ucb', beta: 1 }, () => 0), [1, 1.5]);
  assert.deepEqual(acquire([{ mean: 1, std: 0.5 }], { acquisition: 'its', beta: 1 }, () => -2), [0]);
});

test('bananas proposes mutations of its best once fitted, never twice, keeps the scores of what it proposed, and resumes to the same asks', () => {
  const space = nb201Space();
  const scored: string[] = [];
  const score = (ps: readonly Proposal<TabularCellGenotype>[]) => ps.map((p) => { scored.push(p.key); return [syntheticMetrics(p.genotype).params!]; });
  const make = (start: { seed: number } | { state: unknown }) => createBananas(space, { initial: 6, batch: 3, drafts: 30, epochs: 50 }, { encode: encoderFor(space), score }, start);
  const s = make({ seed: 7 });
  const history = driveSearch(s, (g) => syntheticMetrics(g), { budget: 12 });
  const keys = history.map((h) => h.proposal.key);
  assert.equal(new Set(keys).size, 12);
  assert.ok(history.slice(0, 6).every((h) => h.proposal.generation === 0 && h.proposal.parentKey === undefined));
  // After the initial samples, proposals are children of evaluated architectures.
  for (const h of history.slice(6)) assert.ok(keys.slice(0, keys.indexOf(h.proposal.key)).includes(h.proposal.parentKey!), JSON.stringify(h.proposal));
  const state = JSON.parse(JSON.stringify(s.state())) as { scores: Record<string, number[]>; chosen: { genotype: TabularCellGenotype }[] };
  // The state keeps the scores of what was proposed or chosen, not of every draft scored.
  assert.deepEqual(Object.keys(state.scores).sort(), [...keys, ...state.chosen.map((d) => space.key(d.genotype))].sort());
  assert.ok(scored.length > Object.keys(state.scores).length);
  for (const k of keys) assert.deepEqual(state.scores[k], [syntheticMetrics(history[keys.indexOf(k)].proposal.genotype).params]);
  // The uninterrupted search and one restored from its state after 12 ask the same next 6.
  const restored = make({ state });
  const tail = (x: ReturnType<typeof make>) => driveSearch(x, (g) => syntheticMetrics(g), { budget: 6 }).map((h) => h.proposal.key);
  assert.deepEqual(tail(restored), tail(s));
});

test('bananas tells its forecast of each proposal it chose (not of random samples) until the result comes back, across a resume', () => {
  const space = nb201Space();
  const make = (start: { seed: number } | { state: unknown }) => createBananas(space, { initial: 6, batch: 3, drafts: 30, epochs: 50, acquisition: 'ucb' }, { encode: encoderFor(space) }, start);
  const s = make({ seed: 5 });
  const initial = s.ask(6);
  assert.ok(initial.every((p) => s.predicted!(p.key) === undefined));
  s.tell(initial.map((p) => ({ key: p.key, metrics: syntheticMetrics(p.genotype) })));
  const chosen = s.ask(3);
  const forecasts = chosen.map((p) => s.predicted!(p.key)!);
  const measured = initial.map((p) => syntheticMetrics(p.genotype).accuracy!);
  // The ensemble learnt accuracies: its forecasts lie near the range it was fitted on, not at 0 or at random.
  for (const f of forecasts) assert.ok(Number.isFinite(f) && f > Math.min(...measured) - 0.2 && f < Math.max(...measured) + 0.2, `${f} vs ${measured}`);
  const restored = make({ state: JSON.parse(JSON.stringify(s.state())) });
  assert.deepEqual(chosen.map((p) => restored.predicted!(p.key)), forecasts);
  s.tell(chosen.map((p) => ({ key: p.key, metrics: syntheticMetrics(p.genotype) })));
  assert.ok(chosen.every((p) => s.predicted!(p.key) === undefined), 'told results drop their forecasts');
});

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();

test('search --strategy bananas on a table evaluates its budget of distinct cells; its flags need it', async () => {
  const table = writeNb201Table(dir);
  const db = join(dir, 'bananas.db');
  const cli = (...a: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', '--space', 'nb201',
    '--evaluator', `table:${table}`, '--col', 'accuracy=accuracy,latency_ms=latency_ms', '--workers', '1', '--db', db, ...a], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const r = cli('--strategy', 'bananas', '--acquisition', 'ucb', '--budget', '14', '--seed', '2');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const store = openStore(db, { readonly: true });
  try {
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 14);
    assert.ok(done.slice(10).every((c) => c.parentIds.length === 1), 'after 10 samples, children of evaluated cells');
    // The predictor's forecast is stored beside the measured accuracy of every proposal it chose, and only of those.
    for (const c of done) assert.equal(Number.isFinite(c.metrics.predicted), c.parentIds.length === 1, JSON.stringify(c.metrics));
    assert.deepEqual((store.getRun(1)!.config as { predictor: unknown }).predictor, { acquisition: 'ucb', zeroCost: [] });
  } finally {
    store.close();
  }
  const wrong = await cellscapeInProcess(['search', '--strategy', 'evolution', '--acquisition', 'its', '--budget', '1', '--db', db]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--acquisition: only with --strategy bananas/);
});
