/** Latency measurement, lookup tables and rank correlation on small real networks. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { buildNetwork } from '../search/space/build.ts';
import { quantile } from '../search/latency/measure.ts';
import { ranks, rankCorrelation } from '../search/util/rank.ts';
import { tfjsRuntime } from '../search/latency/runtimes.ts';
import { measureUnits, predictLatency, readLatencyTable, type LatencyTable } from '../search/latency/table.ts';
import { latencyUnits } from '../search/latency/units.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';
import { tempDir } from './temp-dir.ts';

const space = <CellSpace>loadSpace(resolveSpacePath('darts-fmnist-small'));
const net = () => buildNetwork(space, space.sample(createRng(5)), { rng: createRng(1) });

before(async () => { await initBackend(); });

describe('latency measurement', () => {
  test('median and IQR of a real small network are positive and finite; tensors are freed', async () => {
    const n = net();
    const before = tf.memory().numTensors;
    const m = await tfjsRuntime.measure(n, [28, 28, 1], { warmup: 2, repeats: 7 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(m.samplesMs.length, 7);
    assert.ok(m.medianMs > 0 && Number.isFinite(m.medianMs));
    assert.ok(m.iqrMs >= 0 && Number.isFinite(m.iqrMs));
    assert.ok(m.samplesMs.every((s) => s > 0));
    n.dispose();
  });

  test('quantile interpolates between order statistics', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
    assert.equal(quantile([10, 20], 0.75), 17.5);
  });
});

describe('rank correlation', () => {
  test('hand-checked values', () => {
    assert.deepEqual(ranks([10, 30, 20, 20]), [1, 4, 2.5, 2.5]);
    assert.equal(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // ranks [1,2,3,4] vs [2,1,4,3]: d^2 = 1+1+1+1 = 4, rho = 1 - 6*4/(4*15) = 0.6
    assert.ok(Math.abs(rankCorrelation([1, 2, 3, 4], [2, 1, 4, 3]) - 0.6) < 1e-12);
    assert.ok(Number.isNaN(rankCorrelation([1, 1, 1], [1, 2, 3])));
    assert.throws(() => rankCorrelation([1, 2], [1]), /2 and 1/);
  });
});

describe('lookup table', () => {
  test('units cover the cells edge by edge, and the prediction is the sum of their entries', async () => {
    const n = net();
    const units = latencyUnits(n);
    const cells = space.def.network.layers;
    const edgesPerCell = 2 * space.def.cell.nodes;
    assert.equal(units.length, 1 + cells * (2 + edgesPerCell) + 1, 'stem, per cell two preprocessors and the edges, head');
    assert.ok(units.some((u) => u.key.startsWith('sep_conv_') || u.key.startsWith('dil_conv_') || u.key.includes('pool') || u.key.startsWith('skip')));
    const entries = await measureUnits(units, { warmup: 1, repeats: 3 });
    assert.equal(Object.keys(entries).length, new Set(units.map((u) => u.key)).size);
    const table: LatencyTable = {
      version: 1, runtime: 'tfjs', backend: 'wasm', threads: 1, space: space.name, spaceHash: space.hash, inShape: [28, 28, 1],
      warmup: 1, repeats: 3, created: new Date(0).toISOString(), entries,
    };
    const want = units.reduce((s, u) => s + entries[u.key].medianMs, 0);
    assert.ok(Math.abs(predictLatency(table, n) - want) < 1e-9);
    const { [units[1].key]: _dropped, ...partial } = entries;
    assert.throws(() => predictLatency({ ...table, entries: partial }, n, 'lut.json'), new RegExp(`lut.json has no entry for .*${units[1].key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    n.dispose();
  });

  test('a malformed table file is an error naming the file and the field', () => {
    const dir = tempDir('cellscape-lut-');
    const path = join(dir, 'bad-lut.json');
    const good = { version: 1, runtime: 'tfjs', backend: 'wasm', threads: 1, space: 's', spaceHash: 'h', inShape: [28, 28, 1], warmup: 1, repeats: 3, created: '' };
    writeFileSync(path, JSON.stringify({ ...good, entries: { 'x@c1s1h1w1': { medianMs: 0.5, iqrMs: 0 } } }));
    assert.equal(readLatencyTable(path).entries['x@c1s1h1w1'].medianMs, 0.5);
    writeFileSync(path, JSON.stringify({ ...good, entries: { 'x@c1s1h1w1': { medianMs: -1, iqrMs: 0 } } }));
    assert.throws(() => readLatencyTable(path), (err: Error) => err.message.includes(path) && /entries\.x@c1s1h1w1\.medianMs/.test(err.message));
    writeFileSync(path, '{ not json');
    assert.throws(() => readLatencyTable(path), (err: Error) => err.message.startsWith(`${path}: not valid JSON`));
    assert.throws(() => readLatencyTable(join(dir, 'missing.json')), /missing\.json: cannot read latency table \(ENOENT\)/);
  });
});
