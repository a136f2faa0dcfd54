/**
 * The wasm training kernels against the cpu backend's: every gradient on a grid of small
 * shapes, strides, dilations, padding modes and channel multipliers.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { batchNormInfer, batchNormTrain, channelAffine, channelSum } from '../search/backend/fused.ts';
import { createRng } from '../search/util/rng.ts';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

const rng = createRng(7);
function random(shape: number[]): Float32Array {
  const a = new Float32Array(shape.reduce((p, q) => p * q, 1));
  for (let i = 0; i < a.length; i++) a[i] = rng.next() * 2 - 1;
  return a;
}

/** Runs f on backend `name` with fresh tensors made from the same values; returns the arrays. */
async function on(name: string, values: Array<[Float32Array, number[]]>, f: (...t: tf.Tensor[]) => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  return tf.tidy(() => f(...values.map(([v, s]) => tf.tensor(v, s)))).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < got.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  assert.ok(maxRef > 0, `${what}: reference gradient is all zero, the case tests nothing`);
  assert.ok(maxDiff / maxRef <= 1e-4, `${what}: relative error ${maxDiff / maxRef}`);
}

/** Gradients of sum(f(x, w) * r) wrt x and w, r fixed random, on wasm and on cpu. */
async function compareGrads(what: string, xShape: number[], wShape: number[], f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor): Promise<void> {
  const outShape = await on('cpu', [[random(xShape), xShape], [random(wShape), wShape]], (x, w) => [tf.tensor(f(x, w).shape)]);
  const shape = Array.from(outShape[0]);
  const values: Array<[Float32Array, number[]]> = [[random(xShape), xShape], [random(wShape), wShape], [random(shape), shape]];
  const grads = (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor) => tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(r).sum())([x, w]);
  const want = await on('cpu', values, grads);
  const got = await on('wasm', values, grads);
  assertClose(got[0], want[0], `${what} dx`);
  assertClose(got[1], want[1], `${what} dw`);
}

/** A dilated filter written out densely: taps d apart, zeros between. */
function dilateFilter(w: Float32Array, [k, , c, m]: number[], d: number): [Float32Array, number[]] {
  const big = (k - 1) * d + 1, inner = c * m;
  const out = new Float32Array(big * big * inner);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let j = 0; j < inner; j++) {
    out[((a * d) * big + b * d) * inner + j] = w[(a * k + b) * inner + j];
  }
  return [out, [big, big, c, m]];
}

/**
 * tfjs' depthwise gradient refuses dilations and the cpu input-gradient kernel ignores them,
 * so the reference is the undilated cpu kernels on the same filter written out densely.
 */
async function compareDilatedDepthwiseKernels(what: string, xShape: number[], wShape: number[], s: number, d: number, pad: Pad): Promise<void> {
  const [w, wv] = [wShape, random(wShape)];
  const outShape = await on('cpu', [[random(xShape), xShape], [wv, w]],
    (x, f) => [tf.tensor(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad, 'NHWC', d).shape)]);
  const dyShape = Array.from(outShape[0]);
  const xv = random(xShape), dyv = random(dyShape);
  const [dense, denseShape] = dilateFilter(wv, w, d);
  const kernels = (dilations: number, filterShape: number[]) => (x: tf.Tensor, f: tf.Tensor, dy: tf.Tensor) => {
    const attrs = { strides: s, dilations, pad };
    return [
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape }) as tf.Tensor,
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
    ];
  };
  const got = await on('wasm', [[xv, xShape], [wv, w], [dyv, dyShape]], kernels(d, w));
  const want = await on('cpu', [[xv, xShape], [dense, denseShape], [dyv, dyShape]], kernels(1, denseShape));
  assertClose(got[0], want[0], `${what} dx`);
  const big = denseShape[0], inner = w[2] * w[3];
  const wantDw = new Float32Array(got[1].length);
  for (let a = 0; a < w[0]; a++) for (let b = 0; b < w[1]; b++) for (let j = 0; j < inner; j++) {
    wantDw[(a * w[1] + b) * inner + j] = want[1][((a * d) * big + b * d) * inner + j];
  }
  assertClose(got[1], wantDw, `${what} dw`);
}

before(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('wasm Conv2D gradients match cpu', () => {
  const pads: Pad[] = ['same', 'valid', [[0, 0], [1, 0], [2, 1], [0, 0]]];
  for (const [h, w, ci, co, k, s] of [
    [5, 6, 3, 4, 3, 1], [7, 7, 5, 9, 3, 2], [8, 5, 8, 16, 1, 1], [9, 8, 4, 8, 5, 2], [6, 6, 9, 3, 2, 3],
    [7, 9, 1, 10, 3, 1], [6, 7, 12, 17, 3, 2],
  ]) {
    for (const pad of pads) {
      const name = `h${h} w${w} ci${ci} co${co} k${k} s${s} pad ${JSON.stringify(pad)}`;
      test(name, () => compareGrads(name, [2, h, w, ci], [k, k, ci, co],
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad)));
    }
  }
  test('non-square strides', () => compareGrads('strides [2,1]', [2, 7, 6, 4], [3, 2, 4, 8],
    (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, [2, 1], 'same')));
});

describe('wasm depthwise gradients match cpu', () => {
  const pads: Pad[] = ['same', 'valid', [[0, 0], [2, 0], [1, 1], [0, 0]]];
  for (const [h, w, c, m, k, s, d] of [
    [6, 7, 16, 1, 3, 1, 1], [7, 7, 5, 1, 3, 2, 1], [8, 8, 24, 1, 5, 2, 1], [8, 9, 3, 2, 3, 1, 1],
    [9, 9, 4, 2, 3, 2, 1], [9, 8, 6, 1, 3, 1, 2], [10, 10, 4, 2, 2, 1, 3], [7, 6, 20, 3, 3, 2, 1],
  ]) {
    for (const pad of pads) {
      if (d > 1 && Array.isArray(pad)) continue; // tfjs' depthwise forward rejects explicit padding with dilation
      const name = `h${h} w${w} c${c} m${m} k${k} s${s} d${d} pad ${JSON.stringify(pad)}`;
      if (d === 1) {
        test(name, () => compareGrads(name, [2, h, w, c], [k, k, c, m],
          (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad, 'NHWC', d)));
      } else {
        // tfjs' depthwise gradient refuses dilations, but both backprop kernels take them.
        test(name, () => compareDilatedDepthwiseKernels(name, [2, h, w, c], [k, k, c, m], s, d, pad));
      }
    }
  }
});

describe('wasm UnsortedSegmentSum (via gather gradients) matches cpu', () => {
  test('gather of rows with repeated and unused indices', async () => {
    const idx = new Float32Array([3, 0, 3, 1, 3]);
    const values: Array<[Float32Array, number[]]> = [[random([5, 4, 3]), [5, 4, 3]], [idx, [5]], [random([5, 4, 3]), [5, 4, 3]]];
    const g = (x: tf.Tensor, i: tf.Tensor, r: tf.Tensor) =>
      [tf.grad((a: tf.Tensor) => tf.gather(a, i.toInt()).mul(r).sum())(x)];
    assertClose((await on('wasm', values, g))[0], (await on('cpu', values, g))[0], 'gather grad');
  });
});

describe('wasm BatchMatMul and Sum overrides match cpu', () => {
  for (const [sa, sb, ta, tb] of [
    [[3, 5, 4], [3, 4, 7], false, false], [[2, 3, 4, 5], [2, 3, 6, 5], false, true],
    [[2, 4, 5], [2, 4, 17], true, false], [[6, 9], [9, 6], true, true], [[1, 5, 4], [3, 4, 2], false, false],
    [[7, 3], [5, 3], false, true],
  ] as Array<[number[], number[], boolean, boolean]>) {
    test(`matMul ${sa} x ${sb} transposeA=${ta} transposeB=${tb}, with gradients`, async () => {
      const outShape = await on('cpu', [[random(sa), sa], [random(sb), sb]], (a, b) => [tf.tensor(tf.matMul(a, b, ta, tb).shape)]);
      const so = Array.from(outShape[0]);
      const values: Array<[Float32Array, number[]]> = [[random(sa), sa], [random(sb), sb], [random(so), so]];
      // tfjs' BatchMatMul gradient does not reduce a broadcast batch, on any backend.
      const broadcast = sa.length === 3 && sb.length === 3 && sa[0] !== sb[0];
      const f = (a: tf.Tensor, b: tf.Tensor, r: tf.Tensor) => [tf.matMul(a, b, ta, tb),
        ...(broadcast ? [] : tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).mul(r).sum())([a, b]))];
      const want = await on('cpu', values, f), got = await on('wasm', values, f);
      want.forEach((w, i) => assertClose(got[i], w, `output ${i}`));
    });
  }
  for (const [shape, axis, keepDims] of [
    [[4, 5, 6, 7], [0, 1, 2], false], [[4, 5, 6, 7], [2, 0, 1], true], [[9, 3], 0, false], [[4, 5, 6], [1, 2], false], [[4, 5, 6], -1, false],
  ] as Array<[number[], number | number[], boolean]>) {
    test(`sum ${shape} over ${axis} keepDims=${keepDims}`, async () => {
      const values: Array<[Float32Array, number[]]> = [[random(shape), shape]];
      const f = (x: tf.Tensor) => { const y = tf.sum(x, axis, keepDims); return [y, tf.tensor(y.shape)]; };
      const want = await on('cpu', values, f), got = await on('wasm', values, f);
      assertClose(got[0], want[0], 'sum');
      assert.deepEqual(Array.from(got[1]), Array.from(want[1]), 'shape');
    });
  }
});

describe('wasm Concat (rows copied in wasm) equals cpu exactly', () => {
  // Channel counts not a multiple of 4 exercise the scalar tail after the vector copies.
  for (const [shapes, axis] of [
    [[[2, 5, 5, 8], [2, 5, 5, 8], [2, 5, 5, 8]], 3], [[[3, 4, 4, 3], [3, 4, 4, 5]], -1], [[[2, 3, 7], [2, 4, 7]], 1],
    [[[2, 6], [5, 6], [1, 6]], 0], [[[4, 2, 3], [4, 2, 0], [4, 2, 1]], 2],
  ] as Array<[number[][], number]>) {
    test(`concat of ${shapes.map((x) => `[${x}]`).join(', ')} along ${axis}, with gradients`, async () => {
      const values = shapes.map((x): [Float32Array, number[]] => [random(x), x]);
      const out = tf.util.sizeFromShape(tf.backend_util.computeOutShape(shapes, tf.util.parseAxisParam(axis, shapes[0])[0]));
      const r: [Float32Array, number[]] = [random([out]), [out]];
      const f = (...t: tf.Tensor[]) => {
        const xs = t.slice(0, -1), w = t.at(-1)!;
        return [tf.concat(xs, axis), ...tf.grads((...a: tf.Tensor[]) => tf.concat(a, axis).reshape([-1]).mul(w).sum())(xs)];
      };
      const want = await on('cpu', [...values, r], f), got = await on('wasm', [...values, r], f);
      want.forEach((w, i) => assert.deepEqual(got[i], w, `output ${i}`));
    });
  }
});

describe('a wasm heap that cannot grow', () => {
  /** Runs a kernel with the wasm heap's malloc answering 0 from its `failFrom`-th call on, as emscripten's does when the heap cannot grow. */
  async function withFailingMalloc(failFrom: number, run: () => void): Promise<{ error: unknown; leaked: number }> {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { _malloc(n: number): number }; numDataIds(): number };
    const malloc = backend.wasm._malloc;
    const before = backend.numDataIds();
    let calls = 0;
    backend.wasm._malloc = (n) => (++calls >= failFrom ? 0 : malloc(n));
    let error: unknown;
    try { run(); } catch (err) { error = err; } finally { backend.wasm._malloc = malloc; }
    return { error, leaked: backend.numDataIds() - before };
  }
  const convAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };

  const cases: Array<[string, string, number, Record<string, number[]>, Record<string, number[]>]> = [
    ['a filter gradient whose output', 'Conv2DBackpropFilter', 1, { x: [2, 5, 5, 3], dy: [2, 5, 5, 4] }, { filterShape: [3, 3, 3, 4] }],
    ['an input gradient whose scratch filter', 'Conv2DBackpropInput', 2, { dy: [2, 5, 5, 4], filter: [3, 3, 3, 4] }, { inputShape: [2, 5, 5, 3] }],
  ];
  for (const [what, kernel, failFrom, shapes, attrs] of cases) {
    test(`${what} gets no memory: it says so, and frees what it made`, async () => {
      await tf.setBackend('wasm');
      const inputs = Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, tf.tensor(random(shape), shape)]));
      const { error, leaked } = await withFailingMalloc(failFrom, () => tf.engine().runKernel(kernel, inputs, { ...convAttrs, ...attrs }));
      tf.dispose(Object.values(inputs));
      assert.match(String(error), /wasm heap exhausted \(432 bytes requested\): use a smaller batch/);
      assert.equal(leaked, 0);
    });
  }
});

describe('wasm Identity shares its input\'s data', () => {
  test('a clone outlives its source and a variable\'s assign; the heap is freed once both are gone', async () => {
    await tf.setBackend('wasm');
    const values = random([4, 3]);
    // The engine counts bytes per tensor; data buffers are what the heap holds.
    const buffers = (): number => (tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers;
    const before = buffers();
    const x = tf.tensor(values, [4, 3]);
    const y = tf.clone(x);
    // Shared, not copied: the clone adds no buffer.
    assert.equal(buffers(), before + 1);
    x.dispose();
    assert.deepEqual(y.dataSync(), values);
    y.dispose();
    assert.equal(buffers(), before);
    const v = tf.variable(tf.tensor(values, [4, 3]));
    const saved = tf.clone(v);
    v.assign(tf.zeros([4, 3]));
    assert.deepEqual(saved.dataSync(), values);
    assert.deepEqual(Array.from(v.dataSync()), new Array(12).fill(0));
    tf.dispose([v, saved]);
    // Gradients that save their inputs (saveTensorsForBackwardMode clones them) still match the cpu's.
    const data: Array<[Float32Array, number[]]> = [[random([2, 5, 5, 3]), [2, 5, 5, 3]], [random([3, 3, 3, 4]), [3, 3, 3, 4]]];
    const g = (a: tf.Tensor, w: tf.Tensor) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same').square().sum())([a, w]);
    const want = await on('cpu', data, g);
    const got = await on('wasm', data, g);
    want.forEach((w, i) => assertClose(got[i], w, `conv gradient ${i}`));
  });
});

describe('channelAffine (a 1x1 depthwise convolution with bias on wasm) gives the broadcasting ops\' values exactly', () => {
  for (const shape of [[2, 5, 5, 8], [3, 4, 4, 3], [2, 6]]) {
    test(`x * scale + shift of [${shape}], and batch norms built on it, on wasm`, async () => {
      const c = shape.at(-1)!;
      const values: Array<[Float32Array, number[]]> = [[random(shape), shape], [random([c]), [c]], [random([c]), [c]]];
      values.push([random(shape), shape]);
      const got = await on('wasm', values, (x, s, b, r) => [
        channelAffine(x, s as tf.Tensor1D, b as tf.Tensor1D),
        batchNormInfer(x, s as tf.Tensor1D, tf.abs(b) as tf.Tensor1D, b as tf.Tensor1D, s as tf.Tensor1D),
        batchNormTrain(x, s as tf.Tensor1D, b as tf.Tensor1D).y,
        ...tf.grads((a: tf.Tensor, g: tf.Tensor, d: tf.Tensor) => batchNormTrain(a, g as tf.Tensor1D, d as tf.Tensor1D).y.mul(r).sum())([x, s, b]),
      ]);
      // The same arithmetic in tfjs' broadcasting kernels, as these functions were written before.
      const want = await on('wasm', values, (x, s, b, r) => {
        const scale = tf.mul(b, tf.rsqrt(tf.add(tf.abs(b), 1e-5)));
        const n = x.size / c;
        const centered = tf.sub(x, tf.div(channelSum(x), n));
        const rstd = tf.rsqrt(tf.add(tf.div(channelSum(tf.square(centered)), n), 1e-5));
        const xhat = tf.mul(centered, rstd);
        const dgamma = channelSum(tf.mul(r, xhat)), dbeta = channelSum(r);
        const dx = tf.mul(tf.sub(r, tf.add(tf.mul(xhat, tf.div(dgamma, n)), tf.div(dbeta, n))), tf.mul(s, rstd));
        return [tf.add(tf.mul(x, s), b), tf.add(tf.mul(x, scale), tf.sub(s, tf.mul(s, scale))), tf.add(tf.mul(xhat, s), b), dx, dgamma, dbeta];
      });
      want.forEach((w, i) => assert.deepEqual(got[i], w, `output ${i}`));
    });
  }
});

describe('batchNormTrain (closed-form gradient) matches tf.batchNorm on batch moments, on cpu', () => {
  test('values and gradients wrt x, gamma, beta', async () => {
    const xs = [3, 4, 5, 6];
    const values: Array<[Float32Array, number[]]> = [[random(xs), xs], [random([6]), [6]], [random([6]), [6]], [random(xs), xs]];
    const reference = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) => {
      const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const m = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a, m.mean, m.variance, d, c, 1e-5).mul(r).sum();
      };
      return tf.grads(loss)([x, g, b]);
    };
    const ours = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
      tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => batchNormTrain(a, c as tf.Tensor1D, d as tf.Tensor1D).y.mul(r).sum())([x, g, b]);
    const want = await on('cpu', values, reference);
    for (const backend of ['cpu', 'wasm']) {
      const got = await on(backend, values, ours);
      want.forEach((w, i) => assertClose(got[i], w, `${backend} gradient ${i}`));
    }
  });
});
