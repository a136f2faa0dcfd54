/**
 * The wasm MaxPoolGrad (kernels.c max_pool_grad) to the bit: against the cpu backend's kernel with
 * whole-number gradients (its sums are exact in both, whatever their order), and against the
 * JavaScript loop it replaced with arbitrary ones (the same sums in the same order). Inputs are a
 * few negative whole numbers, so windows tie often and a zero taken from the padding would win
 * every window it enters; odd sizes, strides 1 and 2, 'same', numeric and explicit padding, and
 * channel counts that leave 0-3 channels after the 4-wide loop, and two channels (windows in pairs).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function onBackend(name: string, x: Float32Array, dy: Float32Array, shape: number[], k: number, stride: number, pad: Pad): Float32Array {
  tf.setBackend(name);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, shape as [number, number, number, number]);
    const attrs = { filterSize: k, strides: stride, pad };
    const y = tf.engine().runKernel('MaxPool', { x: xt }, attrs) as tf.Tensor4D;
    const dyt = tf.tensor(dy, y.shape);
    return (tf.engine().runKernel('MaxPoolGrad', { dy: dyt, input: xt, output: y }, attrs) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** The JavaScript loop search/backend/max-pool-grad.ts ran before the wasm kernel, over plain arrays. */
function previousLoop(x: Float32Array, g: Float32Array, shape: number[], k: number, stride: number, pad: Pad): Float32Array {
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], k, stride, 1, pad);
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { top, left } = info.padInfo;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * stride - top), y1 = Math.min(H, oy * stride - top + k);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * stride - left), x1 = Math.min(W, ox * stride - left + k);
        const o = ((i * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let iy = y0; iy < y1; iy++) {
            for (let p = ((i * H + iy) * W + x0) * C + c, end = p + (x1 - x0) * C; p < end; p += C) {
              if (x[p] > best) { best = x[p]; at = p; }
            }
          }
          if (at >= 0) out[at] += g[o + c];
        }
      }
    }
  }
  return out;
}

before(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('wasm MaxPoolGrad equals the cpu backend\'s and the previous JavaScript loop\'s to the bit', () => {
  const cases: Array<[number[], number, number, Pad]> = [
    [[2, 5, 5, 3], 3, 1, 'same'], // where tfjs-backend-wasm's own kernel misroutes
    [[2, 7, 6, 5], 3, 2, 'same'], [[1, 9, 7, 9], 3, 1, 1], [[2, 6, 7, 6], 3, 2, 1],
    [[2, 7, 7, 7], 2, 2, 'same'], [[1, 6, 5, 4], 3, 2, 'valid'],
    // Two channels: pairs of windows with the same taps share a vector, the others go one by one.
    [[2, 5, 6, 2], 3, 1, 1], [[1, 7, 9, 2], 3, 2, 'same'], [[2, 6, 7, 2], 2, 2, 'same'], [[1, 5, 8, 2], 3, 1, 'valid'],
    [[1, 5, 6, 10], 3, 1, [[0, 0], [2, 0], [0, 1], [0, 0]]],
  ];
  for (const [shape, k, stride, pad] of cases) {
    test(`x [${shape}] pool ${k}x${k} stride ${stride} pad ${JSON.stringify(pad)}`, () => {
      const rng = createRng(shape.reduce((a, b) => a * 31 + b, k * 7 + stride));
      const size = shape.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: size }, () => -1 - rng.int(3));
      const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], k, stride, 1, pad);
      const outSize = info.outShape.reduce((a, b) => a * b, 1);
      const whole = Float32Array.from({ length: outSize }, () => rng.int(17) - 8);
      const want = onBackend('cpu', x, whole, shape, k, stride, pad);
      assert.ok(want.some((v) => v !== 0), 'the cpu backend answered zeros: the case tests nothing');
      assert.deepEqual(onBackend('wasm', x, whole, shape, k, stride, pad), want);
      const real = Float32Array.from({ length: outSize }, () => rng.normal());
      assert.deepEqual(onBackend('wasm', x, real, shape, k, stride, pad), previousLoop(x, real, shape, k, stride, pad));
    });
  }
});
