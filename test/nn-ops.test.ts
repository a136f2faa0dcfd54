import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../search/util/rng.ts';
import { OPS, Conv2d, BatchNorm, WindowAttention, GlobalAttention, mbconv, Pool2d, saveWeights, loadWeights, type Layer } from '../search/nn/index.ts';

await tf.setBackend('cpu');

const C = 8;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const varSize = (l: Layer): number => sum(l.variables().map((v) => v.variable.size));

/** Parameter counts derived from the reference definitions (DARTS operations.py, Swin), not from our code. */
function expectedParams(name: string, c: number, stride: number): number {
  const bn = 2 * c;
  switch (name) {
    case 'none': case 'max_pool_3x3': case 'avg_pool_3x3': return 0;
    case 'skip_connect': return stride === 1 ? 0 : 2 * c * (c / 2) + bn;
    case 'sep_conv_3x3': return 2 * (9 * c + c * c + bn);
    case 'sep_conv_5x5': return 2 * (25 * c + c * c + bn);
    case 'dil_conv_3x3': return 9 * c + c * c + bn;
    case 'dil_conv_5x5': return 25 * c + c * c + bn;
    case 'conv_3x3': case 'nor_conv_3x3': return 9 * c * c + bn;
    case 'conv_5x5': return 25 * c * c + bn;
    case 'nor_conv_1x1': return c * c + bn;
    case 'win_attn': return 2 * c + (3 * c * c + 3 * c) + (c * c + c) + 49 * 1; // window 4 -> 7x7 table, 1 head at C=8
    case 'global_attn': return 2 * c + (3 * c * c + 3 * c) + (c * c + c);
    default: throw new Error(name);
  }
}

test('every registered op: output shape, parameter count and tensor hygiene at stride 1 and 2', () => {
  const x = tf.randomNormal([2, 8, 8, C], 0, 1, 'float32', 1);
  const start = tf.memory().numTensors;
  for (const name of Object.keys(OPS)) {
    for (const stride of [1, 2]) {
      const op = OPS[name](C, stride, createRng(3));
      assert.equal(op.paramCount(), expectedParams(name, C, stride), `${name} s${stride} params`);
      assert.equal(op.paramCount(), varSize(op));
      const before = tf.memory().numTensors;
      const y = op.forward(x, true);
      assert.deepEqual(y.shape.slice(1), op.outputShape([8, 8, C]), `${name} s${stride} shape`);
      assert.deepEqual(y.shape, [2, 8 / stride, 8 / stride, C]);
      assert.ok(Array.from(y.dataSync()).every(Number.isFinite), `${name} finite`);
      y.dispose();
      assert.equal(tf.memory().numTensors, before, `${name} s${stride} leaks tensors`);
      assert.match(op.latencyKey([8, 8, C]), new RegExp(`^${name}@c8s${stride}h8w8$`));
      op.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, start);
  x.dispose();
});

test('conv FLOPs are multiply-accumulates: 3x3 conv 3->16 on 8x8', () => {
  const conv = new Conv2d(3, 16, 3, createRng(1));
  assert.equal(conv.flops([8, 8, 3]), 8 * 8 * 16 * 27);
  const strided = new Conv2d(3, 16, 3, createRng(1), { stride: 2 });
  assert.equal(strided.flops([8, 8, 3]), 4 * 4 * 16 * 27);
  const dw = new Conv2d(16, 16, 5, createRng(1), { groups: 16 });
  assert.equal(dw.flops([8, 8, 16]), 8 * 8 * 16 * 25);
  // sep_conv_3x3 at stride 1: two (depthwise + pointwise) pairs.
  assert.equal(OPS.sep_conv_3x3(16, 1, createRng(1)).flops([8, 8, 16]), 2 * (64 * 16 * 9 + 64 * 16 * 16));
  for (const m of [conv, strided, dw]) m.dispose();
});

test('strided dilated depthwise conv equals a strided conv with the zero-inserted 5x5 kernel', () => {
  const conv = new Conv2d(4, 4, 3, createRng(2), { stride: 2, dilation: 2, groups: 4 });
  const x = tf.randomNormal([1, 9, 9, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
  const k = conv.variables()[0].variable.arraySync() as number[][][][];
  const dense = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) =>
    i % 2 === 0 && j % 2 === 0 ? k[i / 2][j / 2] : Array.from({ length: 4 }, () => [0])));
  const expected = tf.depthwiseConv2d(x, tf.tensor4d(dense), 2, 2);
  const got = conv.forward(x, false);
  assert.deepEqual(got.shape, [1, 5, 5, 4]);
  assert.ok(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0] < 1e-5);
});

test('3x3 average pooling excludes padding from the count (count_include_pad=False)', () => {
  const y = new Pool2d('avg', 3, 1, 1).forward(tf.ones([1, 4, 4, 1]), false);
  assert.deepEqual(Array.from(y.dataSync()), new Array(16).fill(1));
});

test('BatchNorm: training normalises with batch statistics and moves running stats by momentum 0.1', () => {
  const bn = new BatchNorm(2);
  const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [4, 1, 1, 2]);
  const y = bn.forward(x, true);
  const m = tf.moments(y, [0, 1, 2]);
  assert.ok(Math.abs(m.mean.dataSync()[0]) < 1e-5 && Math.abs(m.variance.dataSync()[1] - 1) < 1e-3);
  const [mean, runVar] = bn.buffers().map((b) => Array.from(b.variable.dataSync()));
  assert.deepEqual(mean.map((v) => +v.toFixed(4)), [0.4, 2.5]);
  // Unbiased batch variance of [1,3,5,7] is 20/3: 0.9 * 1 + 0.1 * 20/3.
  assert.ok(Math.abs(runVar[0] - (0.9 + 0.1 * 20 / 3)) < 1e-4);
  const evalOut = bn.forward(x, false).dataSync();
  assert.ok(Math.abs(evalOut[0] - (1 - 0.4) / Math.sqrt(runVar[0] + 1e-5)) < 1e-4);
});

/** Indices of output tokens that change when input token (r, c) changes. */
function influenced(layer: Layer, r: number, c: number): Set<number> {
  const x = tf.randomNormal([1, 8, 8, C], 0, 1, 'float32', 9);
  const bumped = tf.add(x, tf.scatterND([[0, r, c, 0]], [5], [1, 8, 8, C]));
  const diff = tf.sum(tf.abs(tf.sub(layer.forward(bumped, false), layer.forward(x, false))), -1).dataSync();
  return new Set(Array.from(diff).flatMap((d, i) => (d > 1e-5 ? [i] : [])));
}

test('window attention: unshifted windows are independent, shifted ones cross window borders, shapes kept', () => {
  const plain = new WindowAttention(C, createRng(4), { windowSize: 4 });
  const shifted = new WindowAttention(C, createRng(4), { windowSize: 4, shift: true });
  const x = tf.randomNormal([2, 8, 8, C], 0, 1, 'float32', 2);
  const a = plain.forward(x, false);
  const b = shifted.forward(x, false);
  assert.deepEqual(a.shape, [2, 8, 8, C]);
  assert.deepEqual(b.shape, [2, 8, 8, C]);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] > 1e-4, 'shift changes the output');
  // Token (1,1) lives in the top-left 4x4 window: unshifted, only that window sees it.
  const inPlain = influenced(plain, 1, 1);
  assert.ok([...inPlain].every((i) => Math.floor(i / 8) < 4 && i % 8 < 4));
  // Shifted by 2, token (3,3) shares a window with tokens (2..5, 2..5), across the old border.
  const inShifted = influenced(shifted, 3, 3);
  assert.ok(inShifted.has(4 * 8 + 4));
  // The shift mask: token (7,7) wraps into the window with (0..1, 0..1) after rolling, but must not attend to them.
  const wrapped = influenced(shifted, 7, 7);
  assert.ok(!wrapped.has(0) && !wrapped.has(9), 'masked tokens from another region are not influenced');
  // Input smaller than a window and a side not a multiple of the window are handled.
  assert.deepEqual(plain.forward(tf.zeros([1, 3, 3, C]), false).shape, [1, 3, 3, C]);
  assert.deepEqual(shifted.forward(tf.zeros([1, 6, 10, C]), false).shape, [1, 6, 10, C]);
});

test('global attention: every output token depends on every input token', () => {
  const attn = new GlobalAttention(C, createRng(5));
  assert.equal(influenced(attn, 0, 0).size, 64);
  assert.equal(attn.flops([8, 8, C]), 64 * 4 * C * C + 2 * 64 * 64 * C);
});

test('MBConv: residual only at stride 1 with equal widths; parameters as in MobileNetV2', () => {
  const bn = (c: number): number => 2 * c;
  const m = mbconv(8, 8, 3, 1, 6, createRng(1));
  assert.equal(m.kind, 'residual');
  assert.equal(m.paramCount(), 8 * 48 + bn(48) + 9 * 48 + bn(48) + 48 * 8 + bn(8));
  const s = mbconv(8, 16, 5, 2, 1, createRng(1));
  assert.equal(s.kind, 'sequential');
  assert.equal(s.paramCount(), 25 * 8 + bn(8) + 8 * 16 + bn(16));
  assert.deepEqual(s.forward(tf.zeros([1, 8, 8, 8]), false).shape, [1, 4, 4, 16]);
});

test('weights save and load by name, including running statistics', () => {
  const a = OPS.sep_conv_3x3(C, 1, createRng(1));
  const b = OPS.sep_conv_3x3(C, 1, createRng(2));
  const x = tf.randomNormal([2, 6, 6, C], 0, 1, 'float32', 3);
  a.forward(x, true).dispose();
  const saved = saveWeights(a);
  assert.ok(saved.has('dw1.kernel') && saved.has('bn2.running_var'));
  loadWeights(b, saved);
  assert.deepEqual(Array.from(b.forward(x, false).dataSync()), Array.from(a.forward(x, false).dataSync()));
  saved.delete('pw1.kernel');
  assert.throws(() => loadWeights(b, saved), /missing \[pw1.kernel\]/);
});
