/**
 * A genotype scored on the DARTS supernet (strategies/darts/supernet-score.ts), on a tiny real
 * supernet and Fashion-MNIST batches: its weights switch every other operation and edge off, so
 * the score moves with the genotype's own operations' weights and with no other.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { readEdgeWeights, readMixingWeights } from '../search/strategies/darts/arch.ts';
import type { XY } from '../search/strategies/darts/bilevel.ts';
import { dartsConfigSchema, DEFAULT_DARTS_CONFIG } from '../search/strategies/darts/config.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession, withLatencySites, type DartsSession } from '../search/strategies/darts/session.ts';
import { genotypeWeights, keepingBuffers, scoreSupernet, type CellWeights } from '../search/strategies/darts/supernet-score.ts';
import { TINY_CELL } from './tiny-cell.ts';

// Node 0 reads inputs 0 and 1 (supernet edges 0, 1), node 1 inputs 0 and 2 of its three (edges 2, 4): edge 3 is off.
const G: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['skip_connect', 1], ['max_pool_3x3', 0], ['sep_conv_3x3', 2]], normal_concat: [2, 3],
  reduce: [['max_pool_3x3', 0], ['sep_conv_3x3', 1], ['skip_connect', 1], ['sep_conv_3x3', 2]], reduce_concat: [2, 3],
};

let dir: string;
let s: DartsSession;
let batches: XY[];
let base: Record<'normal' | 'reduce', CellWeights>;
before(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'darts-score-'));
  const path = join(dir, 'tiny.json');
  writeFileSync(path, JSON.stringify(TINY_CELL));
  const space = loadCellSpace(path);
  // K=2: edge normalisation on, so that switching an edge off is tested too.
  const c = dartsConfigSchema.parse({ ...DEFAULT_DARTS_CONFIG, space: path, partialChannels: 2, batchSize: 16, trainImages: 32, valImages: 32, seed: 3 });
  s = createDartsSession(space, c, withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, 1]))));
  const valB = loadDartsData(c, 'classification').batches('val', 0);
  batches = [valB.next(), valB.next()] as XY[];
  const rows = readMixingWeights(s.arch), edges = readEdgeWeights(s.arch);
  base = { normal: { rows: rows.normal.map((r) => [...r]), edges: edges!.normal }, reduce: { rows: rows.reduce.map((r) => [...r]), edges: edges!.reduce } };
});
after(() => {
  batches.forEach(disposeBatch);
  s.dispose();
  rmSync(dir, { recursive: true, force: true });
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
