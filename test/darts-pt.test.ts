/**
 * DARTS-PT's perturbation-based selection (strategies/darts/pt.ts) on tiny real inputs
 * (Fashion-MNIST, a 3-cell supernet of 4 channels): the op kept on an edge is the one whose
 * removal costs the trained supernet the most accuracy on the architecture half, or with the
 * jacob_cov criterion on the untrained supernet lowers that proxy most, measured here
 * independently of pt.ts; the flags are checked by name; and a kill -9 during the selection,
 * then `resume`, ends where an uninterrupted run ends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { jacobCovProxy } from '../search/evaluate/zero-cost/jacob-cov.ts';
import type { Network } from '../search/nn/network.ts';
import { resumeDarts, runDarts } from '../search/run/drivers/darts.ts';
import { openStore, type Store } from '../search/store/store.ts';
import { readMixingWeights, readEdgeWeights } from '../search/strategies/darts/arch.ts';
import { readCheckpoint } from '../search/strategies/darts/checkpoint.ts';
import { dartsStateSchema, type DartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData } from '../search/strategies/darts/data.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession } from '../search/strategies/darts/session.ts';
import type { XY } from '../search/strategies/darts/bilevel.ts';
import { cellscapeInProcess } from './cli-in-process.ts';

const OPS = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];
let dir: string;
let store: Store;
let space: string;
before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'darts-pt-'));
  store = openStore(join(dir, 'runs.db'));
  space = join(dir, 'tiny.json');
  writeFileSync(space, JSON.stringify({
    name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
    cell: { ops: OPS, nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false }, supernet: { C: 4, layers: 3 },
  }));
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface OpMove { edge: number; kept: string; accuracyWithout: Record<string, number> }

test('pt keeps, on each edge of its first move, the op whose removal costs the trained supernet the most accuracy', async () => {
  // Fixed alphas (all epochs weight-only), no tuning: the supernet the first move scores is the last epoch's checkpoint.
  const cfg = {
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 2, warmupEpochs: 2, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, selection: { kind: 'pt', valImages: 32, tuneSteps: 0 }, learningRate: 0.1, seed: 1,
  } as Partial<DartsConfig> as DartsConfig;
  const out = await runDarts(cfg, store, { opLatency: () => 0.1 });
  assert.equal(out.status, 'finished');
  const run = store.getRun(out.runId)!;
  const state = dartsStateSchema.parse(run.state);
  const c = { ...cfg, ...(run.config as object) } as DartsConfig;
  const moves = store.listEventsOfKind('darts-selection', out.runId);
  // 5 edges per cell type, then node 1 (three inputs); node 0 has no choice.
  assert.equal(moves.length, 6);
  const first = moves[0].data as { normal: OpMove; reduce: OpMove };

  // The same supernet and batches, scored here with each op masked by hand.
  const cellSpace = loadCellSpace(space);
  const s = createDartsSession(cellSpace, c, state.opLatency);
  await s.load(readCheckpoint(state.checkpoint!));
  const valB = loadDartsData(c, 'classification').batches('val', c.epochs);
  const batches = [valB.next(), valB.next()] as XY[];
  const mixing = readMixingWeights(s.arch);
  const edges = readEdgeWeights(s.arch);
  const without = (t: 'normal' | 'reduce', edge: number, k: number): { acc: number; loss: number } => {
    let hits = 0, loss = 0;
    for (const b of batches) {
      tf.tidy(() => {
        const rows = { normal: mixing.normal.map((r) => [...r]), reduce: mixing.reduce.map((r) => [...r]) };
        rows[t][edge][k] = 0;
        const logits = s.net.forward(b.x, true, {
          normal: tf.tensor2d(rows.normal), reduce: tf.tensor2d(rows.reduce), normalEdges: tf.tensor1d(edges!.normal), reduceEdges: tf.tensor1d(edges!.reduce),
        });
        hits += tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(b.y, 1)), 'float32')).dataSync()[0];
        loss += tf.losses.softmaxCrossEntropy(b.y, logits).dataSync()[0] * b.x.shape[0];
      });
    }
    return { acc: hits / 32, loss: loss / 32 };
  };
  try {
    for (const t of ['normal', 'reduce'] as const) {
      const m = first[t];
      const scored = OPS.flatMap((op, k) => (op === 'none' ? [] : [{ op, ...without(t, m.edge, k) }]));
      for (const x of scored) assert.equal(m.accuracyWithout[x.op], x.acc, `${t} edge ${m.edge} without ${x.op}`);
      const costliest = scored.reduce((a, b) => (b.acc < a.acc || (b.acc === a.acc && b.loss > a.loss) ? b : a));
      assert.equal(m.kept, costliest.op, `${t} edge ${m.edge}: ${JSON.stringify(scored)}`);
    }
  } finally {
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
    s.dispose();
  }
  // The genotype is the selection's: every kept edge's op is the one its move chose.
  const chosen = new Map(moves.slice(0, 5).flatMap((e) => {
    const d = e.data as { normal: OpMove; reduce: OpMove };
    return [[`normal ${d.normal.edge}`, d.normal.kept], [`reduce ${d.reduce.edge}`, d.reduce.kept]] as [string, string][];
  }));
  const offset = [0, 2];
  for (const t of ['normal', 'reduce'] as const) {
    out.genotype![t].forEach(([op, input], i) => assert.equal(op, chosen.get(`${t} ${offset[Math.floor(i / 2)] + input}`), `${t} edge ${i}`));
  }
});

test('Zero-Cost-PT on the untrained supernet (epochs 0): each first-move edge keeps the op whose removal lowers jacob_cov most; stopped and resumed, the same moves', async () => {
  const cfg = {
    space, trainImages: 64, valImages: 32, batchSize: 16, epochs: 0, warmupEpochs: 0, augment: false, proxy: null, partialChannels: 2,
    latency: { weight: 0, form: 'linear' }, selection: { kind: 'pt', criterion: 'jacob_cov', valImages: 32, tuneSteps: 0 }, seed: 2,
  } as Partial<DartsConfig> as DartsConfig;
  const out = await runDarts(cfg, store, { opLatency: () => 0.1 });
  assert.equal(out.status, 'finished');
  assert.equal(store.listEpochs(out.runId, null).length, 0, 'no epoch trained');
  const moves = store.listEventsOfKind('darts-selection', out.runId);
  assert.equal(moves.length, 6);
  const first = moves[0].data as Record<'normal' | 'reduce', { edge: number; kept: string; jacob_covWithout: Record<string, number> }>;

  // The supernet as its seed builds it, scored here with each op masked by hand: jacob_cov averaged over the two batches.
  const c = { ...cfg, ...(store.getRun(out.runId)!.config as object) } as DartsConfig;
  const s = createDartsSession(loadCellSpace(space), c, dartsStateSchema.parse(store.getRun(out.runId)!.state).opLatency);
  const valB = loadDartsData(c, 'classification').batches('val', 0);
  const batches = [valB.next(), valB.next()] as XY[];
  const mixing = readMixingWeights(s.arch), edges = readEdgeWeights(s.arch)!;
  const without = (t: 'normal' | 'reduce', edge: number, k: number): number => {
    const rows = { normal: mixing.normal.map((r) => [...r]), reduce: mixing.reduce.map((r) => [...r]) };
    rows[t][edge][k] = 0;
    const ctx = { normal: tf.tensor2d(rows.normal), reduce: tf.tensor2d(rows.reduce), normalEdges: tf.tensor1d(edges.normal), reduceEdges: tf.tensor1d(edges.reduce) };
    try {
      const net = { forward: (x: tf.Tensor, training: boolean) => s.net.forward(x, training, ctx) } as unknown as Network;
      const v = batches.map((b) => jacobCovProxy.score(net as never, { x: b.x as tf.Tensor4D, loss: () => tf.scalar(0) }));
      return v.reduce((a, r) => a + ('value' in r ? r.value : -Infinity), 0) / v.length;
    } finally {
      tf.dispose(Object.values(ctx));
    }
  };
  try {
    for (const t of ['normal', 'reduce'] as const) {
      const m = first[t];
      const scored = OPS.flatMap((op, k) => (op === 'none' ? [] : [{ op, v: without(t, m.edge, k) }]));
      for (const x of scored) assert.ok(Math.abs(m.jacob_covWithout[x.op] - x.v) <= 1e-9 * Math.abs(x.v), `${t} edge ${m.edge} without ${x.op}: ${m.jacob_covWithout[x.op]} vs ${x.v}`);
      assert.equal(m.kept, scored.reduce((a, b) => (b.v < a.v ? b : a)).op, `${t} edge ${m.edge}: ${JSON.stringify(scored)}`);
    }
  } finally {
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
    s.dispose();
  }

  // Stopped after its second move (nothing saved but the state), then resumed: the uninterrupted run's moves and genotype.
  const stop = new AbortController();
  const stopped = await runDarts(cfg, store, { opLatency: () => 0.1, signal: stop.signal, log: (l) => { if (l.startsWith('selection move 2/')) stop.abort(); } });
  assert.equal(stopped.status, 'stopped');
  assert.equal(dartsStateSchema.parse(store.getRun(stopped.runId)!.state).pt!.done, 2);
  const resumed = await resumeDarts(stopped.runId, store, { opLatency: () => 0.1 });
  assert.equal(resumed.status, 'finished');
  const data = (id: number) => store.listEventsOfKind('darts-selection', id).map((e) => e.data);
  assert.deepEqual(data(stopped.runId), data(out.runId));
  assert.deepEqual(resumed.genotype, out.genotype);
});

test('--selection and the pt flags are checked by name, before a run exists', async () => {
  const db = join(dir, 'flags.db');
  const bad = async (args: string[], pattern: RegExp): Promise<void> => {
    const r = await cellscapeInProcess(['search', '--strategy', 'darts', ...args, '--db', db]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err.split('\n')[0], pattern);
  };
  await bad(['--selection', 'best'], /^cellscape search: --selection 'best': .*"alpha"\|"pt"/);
  await bad(['--pt-val-images', '128'], /^cellscape search: --pt-val-images: applies to --selection pt only/);
  await bad(['--selection', 'pt', '--pt-val-images', '32'], /^cellscape search: --pt-val-images 32: fewer than one batch of 64/);
  await bad(['--selection', 'pt', '--pt-val-images', '4096'], /^cellscape search: --pt-val-images 4096: more than the architecture half's 2048 images/);
  await bad(['--epochs', '2', '--warmup-epochs', '2'], /warmupEpochs: .*equal to them with the pt selection/);
  await bad(['--epochs', '0'], /epochs: must be at least 1, or 0 with the pt selection/);
  await bad(['--pt-criterion', 'jacob_cov'], /^cellscape search: --pt-criterion: applies to --selection pt only/);
  await bad(['--selection', 'pt', '--pt-criterion', 'synflow'], /^cellscape search: --pt-criterion 'synflow': .*"accuracy"\|"jacob_cov"/);
  const s = openStore(db, { readonly: false });
  try { assert.equal(s.listRuns().length, 0); } finally { s.close(); }
});

test('kill -9 during the selection, then resume: the same moves, genotype and tuned weights as an uninterrupted run', async () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cli = join(root, 'search/cli.ts');
  const args = (db: string) => ['search', '--strategy', 'darts', '--space', space, '--epochs', '1', '--warmup-epochs', '1', '--selection', 'pt', '--pt-val-images', '8',
    '--pt-tune-steps', '2', '--train-images', '16', '--val-images', '16', '--batch-size', '8', '--partial-channels', '2', '--no-augment', '--no-final',
    '--latency-runtime', 'none', '--seed', '3', '--db', db];
  const killed = join(dir, 'killed.db'), whole = join(dir, 'whole.db');
  const read = <T>(db: string, f: (s: Store) => T, fallback: T): T => {
    try {
      const s = openStore(db, { readonly: true });
      try { return f(s); } finally { s.close(); }
    } catch {
      return fallback; // not created yet
    }
  };
  const movesOf = (db: string) => read(db, (s) => s.listEventsOfKind('darts-selection', 1).map((e) => e.data), [] as unknown[]);
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args(killed)], { cwd: root, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 2400 && movesOf(killed).length < 1; i++) await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  const at = read(killed, (s) => dartsStateSchema.parse(s.getRun(1)!.state), null);
  assert.ok(at && at.phase === 'select' && at.pt!.done >= 1 && at.pt!.done < 6, `killed inside the selection: ${JSON.stringify(at?.pt)}`);

  const run = (a: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...a], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const resumed = run(['resume', '1', '--force', '--db', killed]);
  assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
  const uninterrupted = run(args(whole));
  assert.equal(uninterrupted.status, 0, uninterrupted.stdout + uninterrupted.stderr);

  assert.deepEqual(movesOf(killed), movesOf(whole));
  assert.equal(movesOf(whole).length, 6);
  const selected = (db: string) => read(db, (s) => s.listEventsOfKind('darts-selected', 1).map((e) => (e.data as { genotype: unknown }).genotype), []);
  assert.equal(selected(whole).length, 1);
  assert.deepEqual(selected(killed), selected(whole));
  const final = (db: string) => read(db, (s) => readCheckpoint(dartsStateSchema.parse(s.getRun(1)!.state).checkpoint!), null)!;
  const [a, b] = [final(whole), final(killed)];
  assert.match(dartsStateSchema.parse(read(whole, (s) => s.getRun(1)!.state, null)).checkpoint!, /select-6\.ckpt$/);
  assert.equal(a.step, b.step);
  assert.deepEqual(b.weights.map((w) => w.name), a.weights.map((w) => w.name));
  a.weights.forEach((w, i) => assert.deepEqual(b.weights[i].values, w.values, w.name));
});
