/** DARTS search checkpoints: written as tensor files, and format-1 files of earlier searches still read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, type DartsCheckpoint } from '../search/strategies/darts/checkpoint.ts';
import { writeTensorFile } from '../search/train/tensor-file.ts';
import { tempDir } from './executor-fixtures.ts';

const tensor = (name: string, values: number[], shape = [values.length]) => ({ name, shape, values: Float32Array.from(values) });
const checkpoint: DartsCheckpoint = {
  epoch: 3, step: 96,
  weights: [tensor('stem/conv/kernel', [1, -2, 3.5, 4], [2, 2]), tensor('head/bias', [0.25])],
  alphas: [tensor('alphas/normal', [0.1, 0.2, 0.3])],
  weightOptimizer: [tensor('stem/conv/kernel/momentum', [0, 1, 0, 1], [2, 2])],
  archOptimizer: [],
};

test('a checkpoint reads back as written', () => {
  const path = join(tempDir(), 'epoch-3.ckpt');
  writeCheckpoint(path, checkpoint);
  assert.deepEqual(readCheckpoint(path), checkpoint);
});

test('a format-1 checkpoint (epoch and step beside the tensors in the header) still reads', () => {
  // Format 1's layout, as searches before format 2 wrote it: uint32 header length, header, float32 values.
  const all = [...checkpoint.weights.map((t) => ['weights', t] as const), ...checkpoint.alphas.map((t) => ['alphas', t] as const),
    ...checkpoint.weightOptimizer.map((t) => ['weightOptimizer', t] as const)];
  let offset = 0;
  const tensors = all.map(([group, t]) => { const e = { group, name: t.name, shape: t.shape, offset, length: t.values.length }; offset += t.values.length; return e; });
  const header = Buffer.from(JSON.stringify({ format: 'cellscape-darts-checkpoint/1', epoch: 3, step: 96, tensors }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const values = Buffer.concat(all.map(([, t]) => Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength)));
  const path = join(tempDir(), 'epoch-3.ckpt');
  writeFileSync(path, Buffer.concat([len, header, values]));
  assert.deepEqual(readCheckpoint(path), checkpoint);
});

test('another tensor file or a truncated one is refused with an error naming the file', () => {
  const dir = tempDir();
  const other = join(dir, 'supernet.ckpt');
  writeTensorFile(other, 'cellscape-supernet-checkpoint/1', { epoch: 1 }, { weights: checkpoint.weights });
  assert.throws(() => readCheckpoint(other), new RegExp(`checkpoint ${other}: a cellscape-supernet-checkpoint/1 file, not a DARTS checkpoint`));
  const cut = join(dir, 'cut.ckpt');
  writeCheckpoint(cut, checkpoint);
  writeFileSync(cut, readFileSync(cut).subarray(0, -4));
  assert.throws(() => readCheckpoint(cut), new RegExp(`checkpoint ${cut}: expected \\d+ bytes of values, found \\d+`));
});
