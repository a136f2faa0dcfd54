/**
 * The Once-for-All supernet of a block space: every subnet it runs computes what the subnet's
 * standalone network computes with the extracted weights (training and inference mode, every op
 * of the tiny space), and a step on a small subnet moves only the slices it used.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildElasticSupernet, extractSubnet, selectSubnet } from '../search/space/elastic.ts';
import { loadSpace } from '../search/space/load.ts';
import type { BlockGenotype } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';
import { TINY_BLOCKS } from './tiny-blocks.ts';

await initBackend();
const dir = mkdtempSync(join(tmpdir(), 'elastic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const spacePath = join(dir, 'tiny-blocks.json');
writeFileSync(spacePath, JSON.stringify(TINY_BLOCKS));
const space = loadSpace(spacePath) as BlockSpace;

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('a subnet of the supernet computes what its extracted standalone network computes', () => {
  const net = buildElasticSupernet(space, { rng: createRng(1) });
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3);
  const rng = createRng(5);
  const ops = new Set<string>();
  const withSubnet = (g: BlockGenotype, f: (sub: ReturnType<typeof extractSubnet>) => tf.Tensor): tf.Tensor => {
    const sub = extractSubnet(space, net, g);
    try {
      assert.ok(sub.paramCount() < net.paramCount());
      return tf.tidy(() => f(sub));
    } finally {
      sub.dispose();
    }
  };
  try {
    for (let i = 0; i < 12; i++) {
      const g = space.sample(rng);
      g.stages.forEach((s) => s.layers.slice(0, s.depth).forEach((l) => ops.add(l.op === 'attention' ? l.attention! : `${l.op}`)));
      selectSubnet(net, g);
      // A training pass moves the running statistics, so that inference compares non-trivial ones.
      const trainOut = tf.tidy(() => net.forward(x, true));
      const subTrain = withSubnet(g, (sub) => sub.forward(x, true));
      // The subnet's training pass moved its own statistics; the inference pass sees the supernet's again.
      const b = withSubnet(g, (sub) => sub.forward(x, false));
      const a = tf.tidy(() => net.forward(x, false));
      assert.ok(maxAbsDiff(trainOut, subTrain) < 1e-3, `training mode, ${space.describe(g)}: ${maxAbsDiff(trainOut, subTrain)}`);
      assert.ok(maxAbsDiff(a, b) < 1e-3, `inference, ${space.describe(g)}: ${maxAbsDiff(a, b)}`);
      tf.dispose([trainOut, subTrain, a, b]);
    }
    assert.deepEqual([...ops].sort(), ['conv', 'global', 'mbconv', 'window']);
  } finally {
    net.dispose();
    x.dispose();
  }
});

test('a step on a small subnet trains only the centre and first channels it used', () => {
  const net = buildElasticSupernet(space, { rng: createRng(1) });
  const small: BlockGenotype = {
    stages: [
      { depth: 1, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 8 }] },
      { depth: 1, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 16 }] },
    ],
  };
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3);
  try {
    selectSubnet(net, space.validate(small));
    const dw = net.variables().find((v) => v.name === 'backbone.stages.0.0.mbconv.dw.kernel')!.variable;
    const grads = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, true))) as tf.Scalar);
    const g = grads.grads[dw.name];
    const nonzero = (t: tf.Tensor): boolean => tf.tidy(() => tf.any(tf.notEqual(t, 0)).dataSync()[0] === 1);
    // dw is [7, 7, 8*6, 1] (the stem's 8 channels expanded 6 times): the centre 3x3 of the first 8*3 channels only.
    assert.deepEqual(dw.shape, [7, 7, 48, 1]);
    assert.ok(nonzero(tf.slice(g, [2, 2, 0, 0], [3, 3, 24, 1])));
    assert.ok(!nonzero(tf.slice(g, [0, 0, 0, 0], [2, 7, 48, 1])));
    assert.ok(!nonzero(tf.slice(g, [2, 2, 24, 0], [3, 3, 24, 1])));
    // Nothing off the path is reached: stage 2's second slot, its attention, stage 1's conv.
    const reached = net.variables().filter((v) => v.variable.name in grads.grads).map((v) => v.name);
    assert.ok(reached.includes('backbone.stages.1.0.mbconv.dw.kernel'));
    assert.deepEqual(reached.filter((n) => /stages\.1\.[12]\.|attention|win_attn|\.conv\.conv\./.test(n)), []);
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
  } finally {
    net.dispose();
    x.dispose();
  }
});
