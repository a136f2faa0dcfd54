/**
 * The fast formulations inside search/nn (fused conv bias/ReLU, dilated convs without
 * space-to-batch, closed-form batch norm, average pooling and subsampling as depthwise convs,
 * FactorizedReduce's shift as a conv) against the plain tf formulations they replace, and every
 * DARTS/block op training on wasm like on cpu.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';
import { BatchNorm, Conv2d, FactorizedReduce, MixedOp, OPS, Pool2d, ReLU, Sequential, mbconv, subsample, type Layer } from '../search/nn/index.ts';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

const maxRelErr = (got: Float32Array | number[], want: Float32Array | number[]): number => {
  let diff = 0, ref = 0;
  want.forEach((w, i) => { diff = Math.max(diff, Math.abs(got[i] - w)); ref = Math.max(ref, Math.abs(w)); });
  assert.ok(ref > 0, 'reference is all zeros: the comparison tests nothing');
  return diff / ref;
};

const close = (got: tf.Tensor, want: tf.Tensor, what: string, tol = 1e-5): void => {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const e = maxRelErr(got.dataSync() as Float32Array, want.dataSync() as Float32Array);
  assert.ok(e <= tol, `${what}: relative error ${e}`);
};

const randomInput = (shape: number[], seed: number): tf.Tensor4D => {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape as [number, number, number, number]);
};

/** Gradients of a fixed random projection of the output, for every variable and the input ('input'). */
function gradients(layer: Layer, x: tf.Tensor4D, training = true): Map<string, Float32Array> {
  const input = tf.variable(x);
  const named = [{ name: 'input', variable: input }, ...layer.variables()];
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    const shape = layer.forward(x, training).shape;
    const r = createRng(99);
    const probe = tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.forward(input, training), probe)), named.map((v) => v.variable));
    for (const v of named) out.set(v.name, grads[v.variable.name].dataSync() as Float32Array);
  });
  input.dispose();
  return out;
}

test('dilated convs (stride 1, 2 and 3, 3x3 and 5x5) equal the conv with the zero-inserted dense kernel, on wasm', () => {
  for (const [k, stride, groups] of [[3, 1, 6], [5, 1, 6], [3, 2, 6], [5, 2, 6], [3, 1, 1], [3, 2, 1], [3, 3, 6]]) {
    const conv = new Conv2d(6, 6, k, createRng(k + stride), { stride, dilation: 2, groups });
    const x = randomInput([2, 9, 9, 6], 5);
    const w = conv.variables()[0].variable;
    const dense = tf.tidy(() => {
      const [kh, kw, a, b] = w.shape;
      const spread = tf.pad(tf.reshape(w, [kh, 1, kw, 1, a, b]), [[0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]);
      return tf.slice(tf.reshape(spread, [2 * kh, 2 * kw, a, b]), [0, 0, 0, 0], [2 * kh - 1, 2 * kw - 1, a, b]) as tf.Tensor4D;
    });
    const pad = conv.config.padding;
    const want = groups === 1 ? tf.conv2d(x, dense, stride, pad) : tf.depthwiseConv2d(x, dense, stride, pad);
    close(conv.forward(x, false), want, `dilated ${k}x${k} stride ${stride} groups ${groups}`);
    // Input gradient through the project's path equals the one through the dense kernel.
    const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.square(conv.forward(t, true))))(x);
    const gxDense = tf.grad((t: tf.Tensor) => tf.sum(tf.square(groups === 1 ? tf.conv2d(t as tf.Tensor4D, dense, stride, pad) : tf.depthwiseConv2d(t as tf.Tensor4D, dense, stride, pad))))(x);
    close(gx, gxDense, `dilated ${k}x${k} stride ${stride} input gradient`, 1e-4);
    conv.dispose();
  }
});

test('subsample keeps every s-th row and column from 0, odd sizes included', () => {
  const x = randomInput([1, 7, 6, 3], 2);
  const want = tf.tensor4d((x.arraySync() as number[][][][]).map((img) => img.filter((_, i) => i % 2 === 0).map((row) => row.filter((_, j) => j % 2 === 0))));
  close(subsample(x, 2), want, 'subsample');
});

test('average pooling (depthwise formulation) equals tf.avgPool, and its gradient the finite differences', () => {
  // tfjs' own AvgPoolGrad divides by the full window even where its forward excluded the padding.
  for (const [k, s, p] of [[3, 1, 1], [3, 2, 1], [2, 2, 0], [5, 3, 0]]) {
    const pool = new Pool2d('avg', k, s, p);
    const x = randomInput([1, 7, 7, 2], 3);
    close(pool.forward(x, false), tf.avgPool(x, k, s, p), `avg ${k}/${s}/${p}`);
    const outShape = [1, ...pool.outputShape([7, 7, 2])];
    const weights = tf.reshape(tf.linspace(1, 2, outShape.reduce((a, b) => a * b, 1)), outShape);
    const loss = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(pool.forward(t, true), weights));
    const g = tf.grad(loss)(x).dataSync();
    const x0 = x.dataSync();
    for (const i of [0, 1, 8, 24, 48, 97]) {
      const bump = (d: number): number => tf.tidy(() => {
        const v = Float32Array.from(x0);
        v[i] += d;
        return loss(tf.tensor4d(v, x.shape)).dataSync()[0];
      });
      const fd = (bump(0.05) - bump(-0.05)) / 0.1;
      assert.ok(Math.abs(g[i] - fd) < 2e-3 * Math.max(1, Math.abs(fd)), `avg ${k}/${s}/${p} d/dx[${i}]: ${g[i]} vs finite difference ${fd}`);
    }
  }
});

test('FactorizedReduce equals its reference formulation (slice and pad for the shifted branch) at even and odd sizes', () => {
  for (const size of [8, 7]) {
    const fr = new FactorizedReduce(4, 6, createRng(4), false);
    const x = randomInput([2, size, size, 4], size);
    const [k1, k2] = fr.variables().map((v) => v.variable as unknown as tf.Tensor4D);
    const want = tf.tidy(() => {
      const r = tf.relu(x);
      const shifted = tf.pad(tf.slice(r, [0, 1, 1, 0], [2, size - 1, size - 1, 4]), [[0, 0], [0, 1], [0, 1], [0, 0]]);
      const y = tf.concat([tf.conv2d(r, k1, 2, 0), tf.conv2d(shifted, k2, 2, 0)], 3);
      const m = tf.moments(y, [0, 1, 2]);
      return tf.div(tf.sub(y, m.mean), tf.sqrt(tf.add(m.variance, 1e-5)));
    });
    close(fr.forward(x, true), want, `FactorizedReduce ${size}x${size}`, 1e-4);
    fr.dispose();
  }
});

test('BatchNorm training gradient (closed form, affine and not) equals autodiff of the moments formula', () => {
  for (const affine of [true, false]) {
    const bn = new BatchNorm(5, { affine });
    const x = randomInput([3, 4, 4, 5], 6);
    const probe = randomInput([3, 4, 4, 5], 7);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(bn.forward(t, true), probe)))(x);
    const gRef = tf.grad((t: tf.Tensor) => {
      const m = tf.moments(t, [0, 1, 2]);
      return tf.sum(tf.mul(tf.div(tf.sub(t, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), probe));
    })(x);
    close(g, gRef, `affine=${affine}`, 1e-4);
  }
});

test('a conv absorbs the ReLU after it, and in inference the batch norm too, without changing the result', () => {
  for (const groups of [1, 4]) {
    const conv = new Conv2d(4, 4, 3, createRng(8), { bias: true, groups });
    const bn = new BatchNorm(4);
    const x = randomInput([2, 6, 6, 4], 9);
    conv.variables()[1].variable.assign(tf.tensor1d([-1, 0.5, -0.2, 1]));
    for (const [name, values] of [['gamma', [0.5, -1, 2, 1]], ['beta', [0.1, 0, -0.3, 2]]] as const) {
      bn.variables().find((v) => v.name === name)!.variable.assign(tf.tensor1d([...values]));
    }
    bn.forward(tf.mul(conv.forward(x, true), 3), true); // running statistics away from 0 and 1
    const withBn = new Sequential([['conv', conv], ['bn', bn], ['relu', new ReLU()]]);
    const withoutBn = new Sequential([['conv', conv], ['relu', new ReLU()]]);
    close(withBn.forward(x, false), tf.relu(bn.forward(conv.forward(x, false), false)), `conv+bn+relu groups=${groups}`);
    for (const training of [false, true]) close(withoutBn.forward(x, training), tf.relu(conv.forward(x, training)), `conv+relu training=${training} groups=${groups}`);
  }
});

test('MixedOp: value and gradients (input, mixing weights, op weights) equal the plain sum of weighted ops', () => {
  const mixed = new MixedOp(['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3'], 4, 2, createRng(12));
  const x = randomInput([2, 7, 7, 4], 13);
  const weights = tf.variable(tf.tensor1d([0.3, -0.2, 0.5, 0.8, 0.1]));
  const named = [{ name: 'x', variable: tf.variable(x) }, { name: 'weights', variable: weights }, ...mixed.variables()];
  const probe = randomInput([2, 4, 4, 4], 14);
  const grads = (f: () => tf.Tensor): Map<string, tf.Tensor> => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(f(), probe)), named.map((v) => v.variable));
    return new Map(named.map((v) => [v.name, g[v.variable.name]]));
  };
  const xv = named[0].variable;
  const got = grads(() => mixed.forwardWeighted(xv, weights, true));
  const want = grads(() => {
    const w = tf.unstack(weights);
    return tf.addN(mixed.ops.items.map((op, k) => tf.mul(op.forward(xv, true), w[k])));
  });
  close(mixed.forwardWeighted(x, weights, false), tf.addN(mixed.ops.items.map((op, k) => tf.mul(op.forward(x, false), weights.dataSync()[k]))), 'value');
  for (const [name, g] of want) close(got.get(name)!, g, name, 1e-4);
  assert.equal(got.get('weights')!.dataSync()[0], 0, 'the zero op gets no gradient');
});

test('every DARTS and block op, stride 1 and 2, affine and not: wasm forward and gradients equal cpu', async () => {
  const build: [string, (rng: ReturnType<typeof createRng>) => Layer][] = [];
  for (const name of ['sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5', 'skip_connect', 'avg_pool_3x3', 'max_pool_3x3', 'conv_3x3', 'global_attn']) {
    for (const stride of [1, 2]) {
      for (const affine of [true, false]) {
        if (stride === 1 && name === 'skip_connect') continue;
        build.push([`${name} s${stride} affine=${affine}`, (rng) => OPS[name](8, stride, rng, { affine, heads: 2 })]);
      }
    }
  }
  build.push(['mbconv k5 e3 s2', (rng) => mbconv(8, 12, 5, 2, 3, rng)], ['mbconv k3 e3 s1 residual', (rng) => mbconv(8, 8, 3, 1, 3, rng)]);
  const xValues = randomInput([2, 7, 7, 8], 11).dataSync() as Float32Array;
  const run = async (backend: string): Promise<Map<string, Map<string, Float32Array>>> => {
    await tf.setBackend(backend);
    const out = new Map<string, Map<string, Float32Array>>();
    const x = tf.tensor4d(xValues, [2, 7, 7, 8]);
    for (const [name, make] of build) {
      const layer = make(createRng(21));
      const before = tf.memory().numTensors;
      out.set(name, gradients(layer, x));
      assert.equal(tf.memory().numTensors, before, `${name} leaks tensors on ${backend}`);
      layer.dispose();
    }
    x.dispose();
    return out;
  };
  const want = await run('cpu');
  const got = await run('wasm');
  const maxAbs = (g: Float32Array): number => g.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
  for (const [name, grads] of want) {
    const scale = Math.max(...[...grads.values()].map(maxAbs));
    for (const [v, g] of grads) {
      // Zero but for rounding (and BN's eps): a BN's beta right before another BN, or MBConv's bn0
      // gamma, which the per-channel path (ReLU, depthwise) into bn1 makes scale-invariant.
      if (maxAbs(g) < 1e-3 * scale) continue;
      const e = maxRelErr(got.get(name)!.get(v)!, g);
      assert.ok(e <= 2e-3, `${name} ${v}: wasm vs cpu relative error ${e}`);
    }
  }
});
