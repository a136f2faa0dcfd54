import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../search/util/rng.ts';
import type { CellGenotype, TabularCellGenotype, BlockGenotype } from '../search/space/types.ts';
import { buildCellNetwork, buildDartsSupernet, buildNb201Network, buildBlockNetwork, supernetEdgeCount, saveWeights, loadWeights, type Network } from '../search/nn/index.ts';

await tf.setBackend('cpu');

// quark0/darts cnn/genotypes.py
const DARTS_V1: CellGenotype = {
  normal: [['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 0], ['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 0], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['avg_pool_3x3', 0]],
  reduce_concat: [2, 3, 4, 5],
};
const DARTS_V2: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
  reduce_concat: [2, 3, 4, 5],
};

/** NetworkCIFAR's parameter count re-derived from cnn/model.py and operations.py (BN affine, aux excluded). */
function referenceDartsParams(g: CellGenotype, C: number, layers: number, classes: number): number {
  const bn = (c: number): number => 2 * c;
  const op = (name: string, c: number, stride: number): number => ({
    max_pool_3x3: 0, avg_pool_3x3: 0, none: 0,
    skip_connect: stride === 1 ? 0 : c * c + bn(c),
    sep_conv_3x3: 2 * (9 * c + c * c + bn(c)), sep_conv_5x5: 2 * (25 * c + c * c + bn(c)),
    dil_conv_3x3: 9 * c + c * c + bn(c), dil_conv_5x5: 25 * c + c * c + bn(c),
  } as Record<string, number>)[name];
  let cCurr = 3 * C;
  let total = 27 * cCurr + bn(cCurr);
  let [cpp, cp] = [cCurr, cCurr];
  cCurr = C;
  let reductionPrev = false;
  for (let i = 0; i < layers; i++) {
    const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
    if (reduction) cCurr *= 2;
    total += (reductionPrev ? cpp * cCurr + bn(cCurr) : cpp * cCurr + bn(cCurr)) + cp * cCurr + bn(cCurr);
    const edges = reduction ? g.reduce : g.normal;
    for (const [name, index] of edges) total += op(name, cCurr, reduction && index < 2 ? 2 : 1);
    reductionPrev = reduction;
    [cpp, cp] = [cp, (reduction ? g.reduce_concat : g.normal_concat).length * cCurr];
  }
  return total + cp * classes + classes;
}

test('DARTS_V1 and DARTS_V2 at C=36, 20 layers, 10 classes reproduce the reference parameter counts', () => {
  for (const [name, g] of [['V1', DARTS_V1], ['V2', DARTS_V2]] as const) {
    const net = buildCellNetwork(g, { C: 36, layers: 20, classes: 10, inShape: [32, 32, 3], auxiliary: true }, createRng(1));
    assert.equal(net.paramCount(), referenceDartsParams(g, 36, 20, 10), name);
    // paramCount is the inference network: all variables except the auxiliary head's.
    const all = net.variables();
    assert.ok(all.some((v) => v.name.startsWith('auxiliary.')));
    assert.equal(net.paramCount(), all.filter((v) => !v.name.startsWith('auxiliary.')).reduce((s, v) => s + v.variable.size, 0));
    if (name === 'V2') assert.equal(net.paramCount(), 3_349_342); // train.py logs "param size = 3.349342MB"
    net.dispose();
  }
});

const tiny = { C: 4, layers: 3, classes: 5, inShape: [8, 8, 3] };

test('DARTS network: logits, auxiliary logits, multi-level features, variable names, no leaked tensors', () => {
  // The auxiliary head (5x5 pool stride 3, 2x2 conv) needs an 8x8 map after the second reduction.
  assert.throws(() => buildCellNetwork(DARTS_V2, { ...tiny, auxiliary: true }, createRng(2)), /auxiliary head/);
  const net = buildCellNetwork(DARTS_V2, { ...tiny, inShape: [32, 32, 3], auxiliary: true }, createRng(2));
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
  const start = tf.memory().numTensors;
  const y = net.forward(x, false);
  assert.deepEqual(y.shape, [2, 5]);
  assert.deepEqual(net.outputShape(), [5]);
  const { logits, auxLogits } = net.forwardWithAux(x, true);
  assert.deepEqual(auxLogits?.shape, [2, 5]);
  const feats = net.features(x, false);
  assert.deepEqual(feats.map((f) => f.shape.slice(1)), [[32, 32, 16], [16, 16, 32], [8, 8, 64]]);
  tf.dispose([y, logits, auxLogits!, ...feats]);
  assert.equal(tf.memory().numTensors, start);
  assert.ok(net.variables().some((v) => v.name === 'backbone.cells.0.edges.0.dw1.kernel'));
  assert.equal(new Set(net.variables().map((v) => v.name)).size, net.variables().length);
  net.dispose();
  x.dispose();
});

test('forward + backward through a tiny network using every cell op gives finite gradients for every variable', () => {
  const g: CellGenotype = {
    normal: [['sep_conv_3x3', 0], ['sep_conv_5x5', 1], ['dil_conv_3x3', 0], ['dil_conv_5x5', 2], ['conv_3x3', 1], ['conv_5x5', 3], ['win_attn', 0], ['global_attn', 4]],
    normal_concat: [2, 3, 4, 5],
    reduce: [['none', 0], ['max_pool_3x3', 1], ['avg_pool_3x3', 0], ['skip_connect', 1], ['sep_conv_3x3', 0], ['dil_conv_5x5', 1], ['win_attn', 0], ['global_attn', 1]],
    reduce_concat: [2, 3, 4, 5],
  };
  const net = buildCellNetwork(g, tiny, createRng(3));
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4);
  const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);
  const start = tf.memory().numTensors;
  const vars = net.variables();
  const { value, grads } = tf.variableGrads(() =>
    tf.losses.softmaxCrossEntropy(labels, net.forward(x, true, { dropPathProb: 0.2, rng: createRng(5) })) as tf.Scalar, vars.map((v) => v.variable));
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.equal(Object.keys(grads).length, vars.length);
  for (const v of vars) {
    const gr = grads[v.variable.name];
    assert.ok(gr, `gradient for ${v.name}`);
    assert.ok(Array.from(gr.dataSync()).every(Number.isFinite), `finite gradient for ${v.name}`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, start);
  net.dispose();
});

test('DARTS supernet: mixes every op of every edge with the given weights; gradients reach the weights', () => {
  const ops = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
  const net = buildDartsSupernet(ops, 4, 3, 4, { classes: 5, inShape: [8, 8, 3] }, createRng(6));
  const E = supernetEdgeCount(4);
  assert.equal(E, 14);
  const alphaN = tf.variable(tf.mul(tf.randomNormal([E, ops.length], 0, 1, 'float32', 7), 1e-3));
  const alphaR = tf.variable(tf.mul(tf.randomNormal([E, ops.length], 0, 1, 'float32', 8), 1e-3));
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 9);
  const { grads } = tf.variableGrads(() => tf.sum(net.forward(x, true, { normal: tf.softmax(alphaN), reduce: tf.softmax(alphaR) })) as tf.Scalar, [alphaN, alphaR]);
  for (const a of [alphaN, alphaR]) {
    const gr = grads[a.name].dataSync();
    assert.ok(Array.from(gr).every(Number.isFinite));
    assert.ok(Array.from(gr).some((v) => Math.abs(v) > 0));
  }
  assert.throws(() => net.forward(x, true), /mixing weights/);
  // model_search.py builds ops with affine=False: only stem BN and classifier carry BN/bias parameters.
  assert.ok(!net.variables().some((v) => v.name.includes('cells') && v.name.endsWith('gamma')));
  net.dispose();
});

// NAS-Bench-201's best CIFAR-10 cell (its arch-string |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|).
const NB201_BEST: TabularCellGenotype = { nodes: [['nor_conv_3x3'], ['nor_conv_3x3', 'nor_conv_3x3'], ['skip_connect', 'nor_conv_3x3', 'nor_conv_3x3']] };

test('NAS-Bench-201 network: parameter count from TinyNetwork\'s definition, shapes', () => {
  const net = buildNb201Network(NB201_BEST, { C: 16, cellsPerStage: 5, classes: 10, inShape: [32, 32, 3] }, createRng(7));
  const bn = (c: number): number => 2 * c;
  const conv3 = (c: number): number => 9 * c * c + bn(c);
  const cell = (c: number): number => 5 * conv3(c);
  const block = (ci: number, co: number): number => 9 * ci * co + bn(co) + conv3(co) + ci * co;
  const expected = 27 * 16 + bn(16) + 5 * cell(16) + block(16, 32) + 5 * cell(32) + block(32, 64) + 5 * cell(64) + bn(64) + 64 * 10 + 10;
  assert.equal(net.paramCount(), expected);
  net.dispose();
  const small = buildNb201Network({ nodes: [['nor_conv_1x1'], ['avg_pool_3x3', 'none'], ['skip_connect', 'nor_conv_3x3', 'none']] }, { C: 4, cellsPerStage: 1, classes: 3, inShape: [8, 8, 3] }, createRng(8));
  const y = small.forward(tf.zeros([1, 8, 8, 3]), true);
  assert.deepEqual(y.shape, [1, 3]);
  assert.deepEqual(small.backbone.featureShapes([8, 8, 3]), [[8, 8, 4], [4, 4, 8], [2, 2, 16]]);
  small.dispose();
});

const BLOCKS: BlockGenotype = {
  stages: [
    { depth: 1, layers: [{ op: 'conv', kernel: 3, width: 8 }, { op: 'mbconv', kernel: 3, expand: 3, width: 8 }] },
    { depth: 2, layers: [{ op: 'mbconv', kernel: 5, expand: 6, width: 12 }, { op: 'mbconv', kernel: 7, expand: 1, width: 12 }] },
    { depth: 2, layers: [{ op: 'win_attn', width: 16 }, { op: 'win_attn', width: 16 }, { op: 'attention', width: 16 }] },
  ],
};

test('block network: per-stage depth, strides on stage entries, gradients finite', () => {
  const opts = { classes: 4, inShape: [16, 16, 3] };
  const net = buildBlockNetwork(BLOCKS, opts, createRng(9));
  assert.deepEqual(net.backbone.featureShapes([16, 16, 3]), [[16, 16, 8], [8, 8, 12], [4, 4, 16]]);
  const deeper = buildBlockNetwork({ stages: BLOCKS.stages.map((s, i) => (i === 0 ? { ...s, depth: 2 } : s)) }, opts, createRng(9));
  const bn = (c: number): number => 2 * c;
  // The extra layer is an MBConv 8->8, k3, expand 3 with a residual.
  assert.equal(deeper.paramCount() - net.paramCount(), 8 * 24 + bn(24) + 9 * 24 + bn(24) + 24 * 8 + bn(8));
  deeper.dispose();
  const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1);
  const vars = net.variables().map((v) => v.variable);
  const { grads } = tf.variableGrads(() => tf.mean(net.forward(x, true)) as tf.Scalar, vars);
  assert.equal(Object.keys(grads).length, vars.length);
  for (const g of Object.values(grads)) assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
  net.dispose();
});

test('segmentation heads give per-pixel logits at the input resolution and count their FLOPs', () => {
  const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 2);
  const flops: Record<string, number> = {};
  for (const head of ['upsample', 'ppm', 'fpn'] as const) {
    const start = tf.memory().numTensors;
    const nets: Network[] = [
      buildBlockNetwork(BLOCKS, { classes: 6, inShape: [16, 16, 3], task: 'segmentation', head }, createRng(1)),
      buildCellNetwork(DARTS_V2, { C: 4, layers: 3, classes: 6, inShape: [16, 16, 3], task: 'segmentation', head }, createRng(1)),
    ];
    for (const net of nets) {
      const y = net.forward(x, true);
      assert.deepEqual(y.shape, [2, 16, 16, 6], head);
      assert.deepEqual(net.outputShape(), [16, 16, 6]);
      assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
      y.dispose();
    }
    flops[head] = nets[0].flops();
    nets.forEach((n) => n.dispose());
    assert.equal(tf.memory().numTensors, start, `${head} leaks`);
  }
  assert.ok(flops.ppm > flops.upsample && flops.fpn > flops.upsample);
  assert.throws(() => buildBlockNetwork(BLOCKS, { classes: 6, inShape: [16, 16, 3], task: 'classification', head: 'ppm' }, createRng(1)), /classification needs/);
});

test('a checkpoint of one network loads into another built from the same genotype', () => {
  const a = buildCellNetwork(DARTS_V2, tiny, createRng(1));
  const b = buildCellNetwork(DARTS_V2, tiny, createRng(2));
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
  a.forward(x, true).dispose();
  loadWeights(b, saveWeights(a));
  assert.deepEqual(Array.from(b.forward(x, false).dataSync()), Array.from(a.forward(x, false).dataSync()));
  a.dispose();
  b.dispose();
});
