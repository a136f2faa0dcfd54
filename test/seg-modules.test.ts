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
import { HarmonicDenseBlock, harmonicLinks } from '../search/nn/hardnet.ts';
import { MaskTransformerHead } from '../search/nn/mask-transformer.ts';
import { vitOp } from '../search/nn/attention.ts';
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

test('HarDNet harmonic dense block: links, channels, parameters and MACs worked by hand', () => {
  // Growth 4, multiplier 1.7: layer 2 reads 1 and 0 (4 * 1.7 -> 6), layer 4 reads 3, 2, 0 (4 * 1.7^2 -> 12).
  assert.deepEqual(harmonicLinks(4, 8, 4, 1.7), { links: [[], [0], [1, 0], [2], [3, 2, 0]], channels: [8, 4, 6, 4, 12], outputs: [1, 3, 4] });
  const block = new HarmonicDenseBlock(8, 16, 3, 1, createRng(0), { growth: 4 });
  const params = convBnRelu(8, 4, 3) + convBnRelu(4 + 8, 6, 3) + convBnRelu(6, 4, 3) + convBnRelu(4 + 6 + 8, 12, 3) + convBnRelu(4 + 4 + 12, 16, 1);
  assert.equal(params, 3500);
  assert.equal(block.paramCount(), params);
  assert.equal(block.flops([8, 8, 8]), 64 * (9 * 8 * 4 + 9 * 12 * 6 + 9 * 6 * 4 + 9 * 18 * 12 + 20 * 16));
  block.opName = 'hardnet_k3';
  assert.equal(block.latencyKey([8, 8, 8]), 'hardnet_k3@c8o16s1h8w8');
  const strided = new HarmonicDenseBlock(8, 16, 3, 2, createRng(0), { growth: 4 });
  assert.equal(strided.flops([8, 8, 8]), block.flops([4, 4, 8]), 'a strided block pools first, then runs at half the size');
  const y = tf.tidy(() => strided.forward(tf.ones([2, 8, 8, 8]), true));
  assert.deepEqual(y.shape, [2, 4, 4, 16]);
  y.dispose();
  block.dispose();
  strided.dispose();
});

test('Segmenter mask transformer: parameters and MACs worked by hand; masks are dot products of unit vectors', () => {
  // A 2x2x8 map (4 patches), 3 classes, dim 4 (one head), one layer with an MLP of 16.
  const head = new MaskTransformerHead(8, 3, createRng(0), { dim: 4, layers: 1 });
  const ln = (c: number): number => 2 * c;
  const layer = ln(4) + (4 * 12 + 12) + (4 * 4 + 4) + ln(4) + (4 * 16 + 16) + (16 * 4 + 4);
  const params = (8 * 4 + 4) + 3 * 4 + layer + ln(4) + 16 + 16 + ln(3);
  assert.equal(params, 338);
  assert.equal(head.paramCount(), params);
  const tokens = 4 + 3;
  const macs = 4 * 8 * 4 // patch projection
    + tokens * 4 * 4 * 4 + 2 * tokens * tokens * 4 // attention: qkv and output projections, two token-token products
    + 2 * tokens * 4 * 16 // MLP
    + 4 * 4 * 4 + 3 * 4 * 4 + 4 * 3 * 4; // patch and class projections, the masks
  assert.equal(macs, 2024);
  assert.equal(head.flops([[2, 2, 8]]), macs);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => head.forward([tf.randomNormal([2, 2, 2, 8], 0, 1, 'float32', 3)], [8, 8, 1], true));
  assert.deepEqual(y.shape, [2, 8, 8, 3]);
  // mask_norm is a LayerNorm over classes at its initial scale 1, shift 0: zero mean per pixel.
  const means = tf.tidy(() => tf.mean(y, -1).abs().max().dataSync()[0]);
  assert.ok(means < 1e-4, `per-pixel mean over classes ${means}`);
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  head.dispose();
});

test('ViT encoder layer: patch embedding and transformer layer, parameters and MACs worked by hand', () => {
  // 4x4x4 in, width 8, stride 2: a 2x2 stride-2 patch embedding to 2x2x8 (4 tokens), one head.
  const op = vitOp(4, 8, 2, createRng(0));
  const ln = 2 * 8;
  const params = (2 * 2 * 4 * 8 + 8) + ln + (8 * 24 + 24) + (8 * 8 + 8) + ln + (8 * 32 + 32) + (32 * 8 + 8);
  assert.equal(params, 1008);
  assert.equal(op.paramCount(), params);
  const macs = 4 * 8 * (2 * 2 * 4) + (4 * 4 * 64 + 2 * 4 * 4 * 8) + 2 * 4 * 8 * 32;
  assert.equal(macs, 3840);
  assert.equal(op.flops([4, 4, 4]), macs);
  assert.deepEqual(op.outputShape([4, 4, 4]), [2, 2, 8]);
  op.opName = 'vit';
  assert.equal(op.latencyKey([4, 4, 4]), 'vit@c4o8s2h4w4');
  op.dispose();
});
