/**
 * The seed architectures' modules (issue 16), each on a case worked by hand: parameters, MACs,
 * latency-table keys and output shapes. Their ONNX round trips are in export-onnx.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../search/util/rng.ts';
import { ProgressiveUpsamplingHead, UperNetHead } from '../search/nn/heads.ts';
import { ArmContextPath, AttentionRefinement } from '../search/nn/seg-backbones.ts';
import { dilatedStages } from '../search/space/seg-build.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { Layer, Module } from '../search/nn/module.ts';
import type { BlockGenotype } from '../search/space/types.ts';
import type { BlockSpace } from '../search/space/block.ts';

await tf.setBackend('cpu');

const convBnRelu = (cin: number, cout: number, k: number): number => k * k * cin * cout + 2 * cout;

test('UperNet head: parameters and MACs of a two-level case worked by hand', () => {
  // Levels 4x4x8 and 2x2x16, dim 8, 3 classes, bins 1,2,3,6.
  const head = new UperNetHead([8, 16], 3, createRng(0), { dim: 8 });
  const params = 4 * convBnRelu(16, 8, 1) // pyramid branches on the 16-channel top
    + convBnRelu(16 + 4 * 8, 8, 3) // bottleneck over the top and its pyramid
    + convBnRelu(8, 8, 1) + convBnRelu(8, 8, 3) // lateral and FPN conv of the finer level
    + convBnRelu(2 * 8, 8, 3) // fuse of both levels at 4x4
    + 8 * 3 + 3; // classifier with bias
  assert.equal(params, 5915);
  assert.equal(head.paramCount(), params);
  const macs = 16 * 8 * (1 + 4 + 9 + 36) // branches at b x b
    + 2 * 2 * 8 * 48 * 9 // bottleneck at 2x2
    + 4 * 4 * 8 * 8 + 4 * 4 * 8 * 8 * 9 // lateral and FPN conv at 4x4
    + 4 * 4 * 8 * 16 * 9 + 4 * 4 * 3 * 8; // fuse and classifier at 4x4
  assert.equal(macs, 49280);
  assert.equal(head.flops([[4, 4, 8], [2, 2, 16]]), macs);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => head.forward([tf.ones([2, 4, 4, 8]), tf.ones([2, 2, 2, 16])], [16, 16, 1], true));
  assert.deepEqual(y.shape, [2, 16, 16, 3]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  head.dispose();
});

test('SETR progressive upsampling head: parameters and MACs worked by hand', () => {
  // A 2x2x8 map at 1/4 of an 8x8 input, dim 4, 3 classes: conv at 2x2, up, conv at 4x4, up, classifier at 8x8.
  const head = new ProgressiveUpsamplingHead(8, 3, 4, createRng(0), { dim: 4 });
  assert.equal(head.paramCount(), convBnRelu(8, 4, 3) + convBnRelu(4, 4, 3) + 4 * 3 + 3);
  assert.equal(head.flops([[2, 2, 8]]), 2 * 2 * 4 * 8 * 9 + 4 * 4 * 4 * 4 * 9 + 8 * 8 * 3 * 4);
  const y = tf.tidy(() => head.forward([tf.ones([1, 2, 2, 8])], [8, 8, 1], false));
  assert.deepEqual(y.shape, [1, 8, 8, 3]);
  y.dispose();
  head.dispose();
});

test('output stride: stages past it keep their resolution and dilate, as PSPNet at 1/8', () => {
  assert.deepEqual(dilatedStages(2, [2, 2, 2, 2], 8), { strides: [2, 2, 1, 1], dilations: [1, 1, 2, 4] });
  assert.deepEqual(dilatedStages(2, [2, 2, 2, 2], 16), { strides: [2, 2, 2, 1], dilations: [1, 1, 1, 2] });
  assert.deepEqual(dilatedStages(2, [2, 2, 2, 2], 32), { strides: [2, 2, 2, 2], dilations: [1, 1, 1, 1] });
});

function blockSpace(): BlockSpace {
  const space = loadSpace(resolveSpacePath('seg-blocks'));
  if (space.family !== 'block') throw new Error('seg-blocks is a block space');
  return space;
}

function layersOf(m: Module, out: Layer[] = []): Layer[] {
  if ((m as Layer).opName) out.push(m as Layer);
  for (const [, c] of m.children()) layersOf(c, out);
  return out;
}

test('seg-blocks at output stride 8: same backbone parameters, features at 1/4 and 1/8, dilated layers keyed apart', () => {
  const space = blockSpace();
  const layer = (s: number, width: number) => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
  const g: BlockGenotype = { stages: [16, 24, 40, 64].map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head: 'upernet', spatialPath: false };
  const at = (outputStride: 8 | 32) => buildNetwork(space, { ...g, outputStride }, { classes: 5 });
  const [os8, os32] = [at(8), at(32)];
  try {
    assert.equal(os8.backbone.paramCount(), os32.backbone.paramCount());
    assert.deepEqual(os8.backbone.featureShapes([64, 64, 1]).map((s) => 64 / s[0]), [4, 8]);
    assert.deepEqual(os32.backbone.featureShapes([64, 64, 1]).map((s) => 64 / s[0]), [4, 8, 16, 32]);
    const keys = layersOf(os8.backbone).map((l) => l.opName);
    assert.deepEqual(keys, ['conv_k3', 'conv_k3', 'mbconv_k3e3d2', 'mbconv_k3e3d4']);
    // The last stage's MBConv (40 -> 120 -> 64, depthwise 3x3 dilated 4) reads 8x8 at 1/8, not 4x4 strided to 2x2.
    const last = (n: typeof os8) => layersOf(n.backbone).at(-1)!;
    assert.equal(last(os8).flops([8, 8, 40]), 64 * (40 * 120 + 9 * 120 + 120 * 64));
    assert.equal(last(os32).flops([4, 4, 40]), 16 * 40 * 120 + 4 * (9 * 120 + 120 * 64));
    assert.equal(last(os8).latencyKey([8, 8, 40]), 'mbconv_k3e3d4@c40o64s1h8w8');
    assert.equal(last(os32).latencyKey([4, 4, 40]), 'mbconv_k3e3@c40o64s2h4w4');
    assert.equal(space.key({ ...g, outputStride: 32 }), space.key(g), 'the default output stride keys as before');
    assert.notEqual(space.key({ ...g, outputStride: 8 }), space.key(g));
    assert.throws(() => space.validate({ ...g, outputStride: 4 }, 'g.json'), /g\.json.*outputStride/);
  } finally {
    os8.dispose();
    os32.dispose();
  }
});

test('the explorer block strip labels a segmentation genotype\'s head box with head, output stride and spatial path', async () => {
  const { segHeadLines } = await import('../explorer/app/lib/cells.ts');
  assert.deepEqual(segHeadLines({ head: 'upernet', outputStride: 8 }), ['UperNet', '1/8']);
  assert.deepEqual(segHeadLines({ head: 'ppm', spatialPath: true, contextPath: 'arm' }), ['PPM', '1/32', 'SP+ARM']);
  assert.equal(segHeadLines({}), null);
});

test('BiSeNet attention refinement and context path: parameters and MACs worked by hand', () => {
  const arm = new AttentionRefinement(8, 4, createRng(1));
  assert.equal(arm.paramCount(), convBnRelu(8, 4, 3) + 4 * 4 + 2 * 4);
  assert.equal(arm.flops([4, 4, 8]), 4 * 4 * 4 * 8 * 9 + 4 * 4);
  // Levels 4x4x8 and 2x2x16 into C = 4 at the spatial path's 8x8.
  const cp = new ArmContextPath([8, 16], 4, createRng(2));
  const params = (convBnRelu(8, 4, 3) + 16 + 8) + (convBnRelu(16, 4, 3) + 16 + 8) // two ARMs
    + convBnRelu(16, 4, 1) // global context
    + 2 * convBnRelu(4, 4, 3); // a 3x3 conv after each upsampling
  assert.equal(params, 1304);
  assert.equal(cp.paramCount(), params);
  const macs = (4 * 4 * 4 * 8 * 9 + 16) + (2 * 2 * 4 * 16 * 9 + 16) + 16 * 4 + 4 * 4 * 4 * 4 * 9 + 8 * 8 * 4 * 4 * 9;
  assert.equal(macs, 18528);
  assert.equal(cp.flops([[4, 4, 8], [2, 2, 16]], [8, 8]), macs);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => cp.run([tf.ones([2, 4, 4, 8]), tf.ones([2, 2, 2, 16])], [8, 8], true));
  assert.deepEqual(y.shape, [2, 8, 8, 4]);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  arm.dispose();
  cp.dispose();
});

test('seg-blocks with a spatial path: the ARM context path refines 1/16 and 1/32 (the deepest at 1/8) and keys apart', () => {
  const space = blockSpace();
  const layer = (s: number, width: number) => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
  const g: BlockGenotype = { stages: [16, 24, 40, 64].map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head: 'ppm', spatialPath: true };
  const refined = (outputStride: 8 | 32) => {
    const net = buildNetwork(space, { ...g, contextPath: 'arm', outputStride }, { classes: 5 });
    const channels = (net.backbone.children().find(([n]) => n === 'refine')![1].config as { channels: number[] }).channels;
    net.dispose();
    return channels;
  };
  assert.deepEqual(refined(32), [40, 64]);
  assert.deepEqual(refined(8), [64]);
  assert.notEqual(space.key({ ...g, contextPath: 'arm' }), space.key(g));
  assert.equal(space.key({ ...g, spatialPath: false, contextPath: 'arm' }), space.key({ ...g, spatialPath: false }), 'no spatial path, no context path');
});
