/**
 * The wasm depthwise convolution (kernels.c depthwise_conv2d) against XNNPACK's, the built-in it
 * replaces: the same bits on a grid of shapes, filters, strides, dilations and paddings, so that
 * replacing it changes no network's output or training. Its own process: the built-in kernel is
 * taken before the project's kernels are registered over it.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../search/backend/wasm-kernels.ts';
import { createRng } from '../search/util/rng.ts';

const rng = createRng(11);
const random = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => rng.next() * 2 - 1), shape);

let builtin: tf.KernelConfig, ours: tf.KernelConfig;
before(async () => {
  await tf.setBackend('wasm');
  builtin = tf.getKernel('DepthwiseConv2dNative', 'wasm')!;
  registerWasmTrainingKernels();
  ours = tf.getKernel('DepthwiseConv2dNative', 'wasm')!;
});

function withKernel<T>(k: tf.KernelConfig, f: () => T): T {
  tf.unregisterKernel('DepthwiseConv2dNative', 'wasm');
  tf.registerKernel(k);
  try { return f(); } finally { tf.unregisterKernel('DepthwiseConv2dNative', 'wasm'); tf.registerKernel(ours); }
}

describe('wasm depthwise convolution equals XNNPACK\'s to the bit (7x7 and 2x2 filters stay XNNPACK\'s)', () => {
  // [input shape, filter size, stride, dilation, padding]; channels 3, 4, 8, 12 and 16 cover the 8-, 4- and 1-wide loops.
  const cases: Array<[number[], number, number, number, 'same' | 'valid' | number]> = [
    [[2, 9, 9, 8], 5, 1, 1, 2], [[2, 9, 9, 8], 3, 1, 1, 'same'], [[2, 9, 7, 16], 5, 1, 2, 4], [[2, 9, 9, 12], 3, 1, 2, 2],
    [[2, 10, 10, 8], 3, 2, 1, 1], [[2, 10, 9, 3], 5, 2, 1, 'valid'], [[1, 8, 8, 4], 1, 2, 1, 0], [[2, 7, 7, 5], 7, 1, 1, 3],
    [[2, 8, 8, 6], 2, 2, 1, 0],
  ];
  for (const [shape, k, stride, dilation, pad] of cases) {
    test(`x [${shape}] filter ${k}x${k} stride ${stride} dilation ${dilation} pad ${pad}`, () => {
      const x = random(shape) as tf.Tensor4D, w = random([k, k, shape[3], 1]) as tf.Tensor4D;
      const run = () => tf.depthwiseConv2d(x, w, stride, pad, 'NHWC', dilation).dataSync();
      const want = withKernel(builtin, run), got = withKernel(ours, run);
      assert.ok(want.some((v) => v !== 0), 'XNNPACK answered zeros: the case tests nothing');
      assert.deepEqual(got, want);
      tf.dispose([x, w]);
    });
  }
});
