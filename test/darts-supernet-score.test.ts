/**
 * A genotype scored on the DARTS supernet (strategies/darts/supernet-score.ts), on a tiny real
 * supernet and Fashion-MNIST batches: its weights switch every other operation and edge off, so
 * the score moves with the genotype's own operations' weights and with no other.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import type { CellGenotype } from '../search/space/types.ts';
import type { XY } from '../search/strategies/darts/bilevel.ts';
import { dartsConfigSchema, DEFAULT_DARTS_CONFIG } from '../search/strategies/darts/config.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession, stepCell, withLatencySites, type DartsSession } from '../search/strategies/darts/session.ts';
import { fixedMixer, genotypeWeights, keepingBuffers, pathsOf, scoreSupernet, supernetWeights, type CellWeights } from '../search/strategies/darts/supernet-score.ts';
import { firstEdgeOf } from '../search/strategies/darts/derive.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { buildSupernet } from '../search/space/build.ts';
import { buildOp } from '../search/nn/ops.ts';
import { createRng } from '../search/util/rng.ts';
import { tempDir } from './temp-dir.ts';
import { TINY_CELL, writeTinyCell } from './tiny-cell.ts';

// Node 0 reads inputs 0 and 1 (supernet edges 0, 1), node 1 inputs 0 and 2 of its three (edges 2, 4): edge 3 is off.
const G: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['skip_connect', 1], ['max_pool_3x3', 0], ['sep_conv_3x3', 2]], normal_concat: [2, 3],
  reduce: [['max_pool_3x3', 0], ['sep_conv_3x3', 1], ['skip_connect', 1], ['sep_conv_3x3', 2]], reduce_concat: [2, 3],
};

const path = writeTinyCell(tempDir('darts-score-'));
let space: CellSpace;
let s: DartsSession;
let batches: XY[];
let base: Record<'normal' | 'reduce', CellWeights>;
before(async () => {
  await initBackend();
  space = loadCellSpace(path);
  // K=2: edge normalisation on, so that switching an edge off is tested too.
  const c = dartsConfigSchema.parse({ ...DEFAULT_DARTS_CONFIG, space: path, partialChannels: 2, batchSize: 16, trainImages: 32, valImages: 32, seed: 3 });
  s = createDartsSession(space, c, withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, 1]))));
  const valB = loadDartsData(c, 'classification').batches('val', 0);
  batches = [valB.next(), valB.next()] as XY[];
  base = supernetWeights(s.arch);
});
after(() => {
  batches.forEach(disposeBatch);
  s.dispose();
});

/** The supernet's loss under G's weights with noise added to one weight tensor (put back afterwards; a scale alone BN would undo). */
function lossWithNoise(name: string): number {
  const v = s.net.variables().find((x) => x.name === name);
  assert.ok(v, `no weight ${name}`);
  const kept = tf.clone(v.variable);
  try {
    v.variable.assign(tf.tidy(() => tf.add(kept, tf.randomNormal(kept.shape, 0, 0.5, 'float32', 7))));
    return keepingBuffers(s, () => scoreSupernet(s, batches, genotypeWeights(G, base, s.arch.ops, s.arch.nodes)).loss);
  } finally {
    v.variable.assign(kept);
    kept.dispose();
  }
}

test('a genotype\'s weights: one-hot on its edges at its operations, its edges keeping their edge weights, every other edge off', () => {
  const w = genotypeWeights(G, base, s.arch.ops, s.arch.nodes);
  const sep = s.arch.ops.indexOf('sep_conv_3x3'), skip = s.arch.ops.indexOf('skip_connect'), max = s.arch.ops.indexOf('max_pool_3x3');
  assert.deepEqual(w.normal.rows.map((r) => r.indexOf(1)), [sep, skip, max, -1, sep]);
  assert.deepEqual(w.normal.rows.map((r) => r.reduce((a, b) => a + b, 0)), [1, 1, 1, 0, 1]);
  assert.deepEqual(w.normal.edges, [base.normal.edges![0], base.normal.edges![1], base.normal.edges![2], 0, base.normal.edges![4]]);
  assert.deepEqual(w.reduce.rows.map((r) => r.indexOf(1)), [max, sep, -1, skip, sep]);
});

test('the score moves with the weights of the genotype\'s operations and with no other', () => {
  const plain = keepingBuffers(s, () => scoreSupernet(s, batches, genotypeWeights(G, base, s.arch.ops, s.arch.nodes)).loss);
  // Normal cell (cell 0): edge 4's sep_conv is the genotype's; edge 1's (skip chosen there) and edge 3's (off) are not.
  assert.notEqual(lossWithNoise('backbone.cells.0.edges.4.mixed.ops.3.pw1.kernel'), plain);
  assert.equal(lossWithNoise('backbone.cells.0.edges.1.mixed.ops.3.pw1.kernel'), plain);
  assert.equal(lossWithNoise('backbone.cells.0.edges.3.mixed.ops.3.pw1.kernel'), plain);
});

test('a genotype that does not fit the supernet is an error naming what is wrong', () => {
  const bad = (g: CellGenotype, pattern: RegExp) => assert.throws(() => genotypeWeights(g, base, s.arch.ops, s.arch.nodes), pattern);
  bad({ ...G, normal: [['conv_7x7', 0], ...G.normal.slice(1)] }, /operation conv_7x7 of the normal cell is not in the supernet's/);
  bad({ ...G, reduce: [...G.reduce.slice(0, 3), ['sep_conv_3x3', 3]] }, /node 1 of the reduce cell reads input 3, beyond its 3/);
  bad({ ...G, normal: G.normal.slice(0, 2) }, /the normal cell has 2 edges, a 2-node supernet reads 4/);
});

test('a genotype\'s paths: each edge its one operation, an edge off left out, any other row the whole mixture', () => {
  const w = genotypeWeights(G, base, s.arch.ops, s.arch.nodes);
  const sep = s.arch.ops.indexOf('sep_conv_3x3'), skip = s.arch.ops.indexOf('skip_connect'), max = s.arch.ops.indexOf('max_pool_3x3');
  assert.deepEqual(pathsOf(w.normal), [sep, skip, max, null, sep]);
  // With its edge weight on, an edge with no op still passes its bypassed channels: the mixture computes that.
  assert.deepEqual(pathsOf({ rows: w.normal.rows, edges: w.normal.edges!.map((x) => x || 0.5) }), [sep, skip, max, undefined, sep]);
  assert.deepEqual(pathsOf({ rows: base.normal.rows, edges: base.normal.edges }), base.normal.rows.map(() => undefined));
});

/** Logits of the supernet on the first batch under G's weights, single-path or with every op computed. */
function logitsOfG(singlePath: boolean): Float32Array {
  const mix = fixedMixer(genotypeWeights(G, base, s.arch.ops, s.arch.nodes));
  return keepingBuffers(s, () => tf.tidy(() => {
    const ctx = mix();
    return s.net.forward(batches[0].x, true, singlePath ? ctx : { ...ctx, paths: undefined }).dataSync() as Float32Array;
  }));
}

test('a single-path pass gives the logits of the whole mixture under one-hot weights, to the bit', () => {
  const one = logitsOfG(true), all = logitsOfG(false);
  assert.equal(one.length, all.length);
  assert.ok(one.every((x, i) => Object.is(x, all[i])), 'single-path logits differ from the mixture\'s');
});

test('paths that do not fit the cell are errors naming what is wrong', () => {
  const w = genotypeWeights(G, base, s.arch.ops, s.arch.nodes);
  const run = (normal: (number | null | undefined)[]) => tf.tidy(() => { s.net.forward(batches[0].x, false, { ...fixedMixer(w)(), paths: { normal } }); });
  assert.throws(() => run([3, 2]), /paths: 2 entries for a cell of 5 edges/);
  assert.throws(() => run([3, 2, 1, null, 9]), /paths: op index 9 on an edge of 4 ops/);
  assert.throws(() => run([3, 2, null, null, null]), /paths: node 1 of the cell has all its input edges left out/);
});

test('uniform-cell weight steps train the step\'s cell alone, the same cell for the same step', () => {
  const c = dartsConfigSchema.parse({ ...DEFAULT_DARTS_CONFIG, space: path, partialChannels: 1, weightSampling: 'uniform-cell', batchSize: 16, trainImages: 32, valImages: 32, seed: 5 });
  const u = createDartsSession(space, c, withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, 1]))));
  try {
    const sep = u.arch.ops.indexOf('sep_conv_3x3');
    // A step whose normal cell has sep_conv_3x3 on some edges and not on others.
    const step = Array.from({ length: 64 }, (_, i) => i).find((i) => {
      const n = stepCell(space, c.seed, i).normal.filter(([op]) => op === 'sep_conv_3x3').length;
      return n > 0 && n < 4;
    })!;
    const g = stepCell(space, c.seed, step);
    const on = new Set(g.normal.flatMap(([op, input], i) => (op === 'sep_conv_3x3' ? [firstEdgeOf(Math.floor(i / 2)) + input] : [])));
    const a = { epoch: 0, step, totalSteps: 100, lr: 0.1, multiplier: 0 };
    const gradsAt = () => {
      const { grads } = u.weightGradients(batches[0], a);
      const out = new Map(u.weights.map((w, i) => [w.name, Array.from(grads[i].dataSync())]));
      tf.dispose(grads);
      return out;
    };
    const first = gradsAt(), again = gradsAt();
    assert.deepEqual(again, first);
    for (let e = 0; e < 5; e++) {
      const grad = first.get(`backbone.cells.0.edges.${e}.ops.${sep}.pw1.kernel`)!;
      assert.equal(grad.some((x) => x !== 0), on.has(e), `normal edge ${e}: sep_conv_3x3 ${on.has(e) ? 'drawn but not trained' : 'trained but not drawn'}`);
    }
  } finally {
    u.dispose();
  }
});

test('standalone supernet ops are built as a genotype\'s network builds them: affine BN, bare pools; DARTS\'s have neither', () => {
  const namesUnder = (names: string[], prefix: string) => names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)).sort();
  const C = TINY_CELL.network.C;
  for (const standalone of [true, false]) {
    const net = buildSupernet(space, { edges: { standaloneOps: standalone } });
    try {
      const vars = net.variables().map((v) => v.name), bufs = net.buffers().map((b) => b.name);
      TINY_CELL.cell.ops.forEach((name, k) => {
        const prefix = `backbone.cells.0.edges.0.ops.${k}.`;
        const op = buildOp(name, C, 1, createRng(0), { affine: true });
        const same = JSON.stringify([namesUnder(vars, prefix), namesUnder(bufs, prefix)]) === JSON.stringify([op.variables().map((v) => v.name).sort(), op.buffers().map((b) => b.name).sort()]);
        // Ops without BN (none, skip) are the same either way.
        const hasBn = name.includes('pool') || name.includes('conv');
        assert.equal(same, standalone || !hasBn, `${name}: ${standalone ? 'standalone' : 'darts'} supernet op ${same ? 'equals' : 'differs from'} the genotype network's`);
        op.dispose();
      });
      assert.equal(vars.includes('backbone.cells.0.preprocess0.bn.gamma'), standalone);
    } finally {
      net.dispose();
    }
  }
});
