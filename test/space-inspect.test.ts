import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { command } from '../search/commands/inspect.ts';
import { loadSpace, SPACE_DEFS_DIR } from '../search/space/load.ts';
import { buildNetwork, buildSupernet } from '../search/space/build.ts';
import { NAMED_GENOTYPES } from '../search/space/named.ts';
import { formatPythonGenotype } from '../search/space/python-repr.ts';
import { createRng } from '../search/util/rng.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { supernetEdgeCount } from '../search/nn/darts.ts';
import { tempDir } from './temp-dir.ts';

async function inspect(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.join(' ')); };
  try {
    const code = await command.run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('inspect DARTS_V2 reports the published size of the DARTS CIFAR-10 network (3.3M parameters)', async () => {
  const { code, out } = await inspect('DARTS_V2');
  assert.equal(code, 0);
  assert.match(out, /DARTS_V2 in darts-cifar10/);
  assert.match(out, /normal: 2=sep_conv_3x3\(0\)\+sep_conv_3x3\(1\)/);
  const params = Number(/parameters: ([\d,]+) \(3\.3\dM\)/.exec(out)?.[1].replace(/,/g, ''));
  assert.ok(params > 3.3e6 && params < 3.4e6, out);
});

test('inspect --json agrees with the text and reads files in every notation', async () => {
  const dir = tempDir('inspect-');
  const files = {
    repr: [join(dir, 'g.txt'), formatPythonGenotype(NAMED_GENOTYPES.PDARTS)],
    json: [join(dir, 'g.json'), JSON.stringify(NAMED_GENOTYPES.PDARTS)],
    exported: [join(dir, 'e.json'), JSON.stringify({ genotype: NAMED_GENOTYPES.PDARTS, space: 'darts-cifar10' })],
  };
  const results = [];
  for (const [path, text] of Object.values(files)) {
    writeFileSync(path, text);
    const { code, out } = await inspect(path, '--json');
    assert.equal(code, 0);
    results.push(JSON.parse(out));
  }
  assert.deepEqual(results.map((r) => r.genotype), [0, 1, 2].map(() => NAMED_GENOTYPES.PDARTS));
  assert.equal(new Set(results.map((r) => `${r.params}/${r.macs}/${r.key}`)).size, 1);
  assert.equal(results[0].space, 'darts-cifar10');
  const text = await inspect('PDARTS');
  assert.match(text.out, new RegExp(`parameters: ${results[0].params.toLocaleString('en-US')} `));
});

test('inspect takes an NB201 string and a smaller space, and refuses a genotype the space cannot hold', async () => {
  const nb = JSON.parse((await inspect('|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|', '--json')).out);
  assert.equal(nb.space, 'nb201');
  assert.ok(nb.params > 0 && nb.macs > 0);
  await assert.rejects(inspect('DARTS_V2', '--space', 'darts-fmnist-small'), /DARTS_V2: \$\.normal: expected 6 edges/);
  await assert.rejects(inspect('NOT_A_GENOTYPE'), /is not a file, a known genotype/);
});

test('genotypes with one key build networks of one size', async () => {
  await tf.setBackend('cpu');
  const space = loadSpace(join(SPACE_DEFS_DIR, 'darts-fmnist-small.json'));
  if (space.family !== 'cell') throw new Error('a cell space expected');
  const before = tf.memory().numTensors;
  const size = (g: CellGenotype): [number, number] => {
    const net = buildNetwork(space, g);
    const out: [number, number] = [net.paramCount(), net.flops()];
    net.dispose();
    return out;
  };
  const rng = createRng(1);
  const g = space.sample(rng);
  const swapped = structuredClone(g);
  [swapped.normal[2], swapped.normal[3]] = [swapped.normal[3], swapped.normal[2]];
  const deadNode = structuredClone(g);
  deadNode.reduce_concat = [2, 3];
  deadNode.reduce[4] = ['skip_connect', 0];
  deadNode.reduce[5] = ['skip_connect', 1];
  const deadNode2 = structuredClone(deadNode);
  deadNode2.reduce[4] = ['sep_conv_5x5', 3];
  assert.equal(space.key(swapped), space.key(g));
  assert.deepEqual(size(swapped), size(g));
  assert.equal(space.key(deadNode), space.key(deadNode2));
  assert.deepEqual(size(deadNode), size(deadNode2));
  assert.notDeepEqual(size(deadNode), size(g));
  assert.equal(tf.memory().numTensors, before);
});

test('block genotypes build (window and global attention included), and inspect reads them from a file', async () => {
  await tf.setBackend('cpu');
  const space = loadSpace(join(SPACE_DEFS_DIR, 'mobile-blocks.json'));
  if (space.family !== 'block') throw new Error('a block space expected');
  const g = space.sample(createRng(3));
  for (const [s, kind] of [[3, 'window'], [4, 'global']] as const) g.stages[s].layers[0] = { op: 'attention', attention: kind, width: g.stages[s].layers[0].width };
  const net = buildNetwork(space, g);
  const x = tf.zeros([1, 32, 32, 3]);
  const logits = net.forward(x, false);
  assert.deepEqual(logits.shape, [1, 10]);
  tf.dispose([x, logits]);
  const params = net.paramCount();
  net.dispose();
  const path = join(tempDir('inspect-'), 'blocks.json');
  writeFileSync(path, JSON.stringify({ genotype: g }));
  const report = JSON.parse((await inspect(path, '--json')).out);
  assert.equal(report.space, 'mobile-blocks');
  assert.equal(report.params, params);
  assert.match(report.description, /stage 4 \(s2, \d+ch, \d layers?\): win-attn/);
});

test('the supernet of a cell space mixes every op on every edge at the supernet size', async () => {
  await tf.setBackend('cpu');
  const space = loadSpace(join(SPACE_DEFS_DIR, 'darts-fmnist-small.json'));
  if (space.family !== 'cell') throw new Error('a cell space expected');
  const supernet = buildSupernet(space);
  const net = buildNetwork(space, space.sample(createRng(0)));
  // Every candidate network is a sub-network of the supernet: fewer parameters, fewer MACs.
  assert.ok(supernet.paramCount() > net.paramCount());
  assert.ok(supernet.flops() > net.flops());
  const x = tf.zeros([2, 28, 28, 1]);
  const edges = supernetEdgeCount(space.def.cell.nodes);
  const w = tf.fill([edges, space.def.cell.ops.length], 1 / space.def.cell.ops.length);
  const logits = supernet.forward(x, false, { normal: w, reduce: w });
  assert.deepEqual(logits.shape, [2, 10]);
  tf.dispose([x, w, logits]);
  supernet.dispose();
  net.dispose();
});
