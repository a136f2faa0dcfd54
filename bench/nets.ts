/**
 * The yardstick networks R1 and R2 of shared/bench/REFERENCE_NETS.md, in plain tf ops plus the
 * backend's fast batch norm. When this was written search/nn had no global attention block and
 * was not yet committed; once it has both, build these from it so the bench times the
 * project's own layers. PyTorch's initialisation is not reproduced: timings do not depend on it.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormInfer, batchNormTrain } from '../search/backend/fused.ts';
import type { Rng } from '../search/util/rng.ts';

export interface BenchNet {
  name: string;
  inputShape: [number, number, number, number];
  variables: tf.Variable[];
  /** Logits [batch, 10]. Training mode uses batch statistics and updates the running ones. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
}

class Params {
  readonly variables: tf.Variable[] = [];
  constructor(private readonly rng: Rng) {}
  weight(shape: number[], fanIn: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1), std = Math.sqrt(2 / fanIn);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.rng.normal() * std;
    return this.track(tf.variable(tf.tensor(v, shape)));
  }
  filled(shape: number[], value: number, trainable = true): tf.Variable {
    const v = tf.variable(tf.fill(shape, value), trainable);
    return trainable ? this.track(v) : v;
  }
  private track(v: tf.Variable): tf.Variable {
    this.variables.push(v);
    return v;
  }
}

type Fn = (x: tf.Tensor4D, training: boolean) => tf.Tensor4D;

type Activation = 'linear' | 'relu';

/** Bias and activation fused into the convolution (one pass over the output instead of three). */
function conv(p: Params, k: number, cin: number, cout: number, stride = 1, bias = false, activation: Activation = 'linear'): Fn {
  const w = p.weight([k, k, cin, cout], k * k * cin);
  const b = bias ? p.filled([cout], 0) : undefined;
  return (x) => tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: stride, pad: 'same', bias: b, activation });
}

function depthwise(p: Params, k: number, c: number, stride = 1, bias = false, activation: Activation = 'linear'): Fn {
  const w = p.weight([k, k, c, 1], k * k);
  const b = bias ? p.filled([c], 0) : undefined;
  return (x) => tf.fused.depthwiseConv2d({ x, filter: w as tf.Tensor4D, strides: stride, pad: 'same', bias: b, activation });
}

function batchNorm(p: Params, c: number): Fn {
  const gamma = p.filled([c], 1), beta = p.filled([c], 0);
  const mean = p.filled([c], 0, false), variance = p.filled([c], 1, false);
  return (x, training) => {
    if (!training) return batchNormInfer(x, mean as tf.Tensor1D, variance as tf.Tensor1D, gamma as tf.Tensor1D, beta as tf.Tensor1D) as tf.Tensor4D;
    const r = batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5);
    mean.assign(tf.add(tf.mul(mean, 0.9), tf.mul(r.mean, 0.1)));
    variance.assign(tf.add(tf.mul(variance, 0.9), tf.mul(r.variance, 0.1)));
    return r.y as tf.Tensor4D;
  };
}

function dense(p: Params, cin: number, cout: number): (x: tf.Tensor) => tf.Tensor {
  const w = p.weight([cin, cout], cin), b = p.filled([cout], 0);
  return (x) => tf.add(tf.matMul(x.reshape([-1, cin]), w), b).reshape([...x.shape.slice(0, -1), cout]);
}

const seq = (...fns: Fn[]): Fn => (x, t) => fns.reduce((y, f) => f(y, t), x);
const relu: Fn = (x) => tf.relu(x);

function mbconv(p: Params, cin: number, cout: number, e: number, k: number, s: number): Fn {
  const mid = cin * e;
  const body = seq(conv(p, 1, cin, mid), batchNorm(p, mid), relu, depthwise(p, k, mid, s),
    batchNorm(p, mid), relu, conv(p, 1, mid, cout), batchNorm(p, cout));
  return s === 1 && cin === cout ? (x, t) => tf.add(x, body(x, t)) : body;
}

function layerNorm(p: Params, c: number): (x: tf.Tensor) => tf.Tensor {
  const gamma = p.filled([c], 1), beta = p.filled([c], 0);
  return (x) => {
    const m = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), gamma), beta);
  };
}

/** Global multi-head self-attention over the h*w tokens: pre-LayerNorm, residual. */
function attention(p: Params, dim: number, heads: number): Fn {
  const norm = layerNorm(p, dim), qkv = dense(p, dim, 3 * dim), proj = dense(p, dim, dim);
  const hd = dim / heads;
  return (x) => {
    const [n, h, w] = x.shape;
    const t = x.reshape([n, h * w, dim]);
    const [q, k, v] = tf.split(qkv(norm(t)), 3, -1).map((z) => z.reshape([n, h * w, heads, hd]).transpose([0, 2, 1, 3]));
    const a = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
    const o = tf.matMul(a, v).transpose([0, 2, 1, 3]).reshape([n, h * w, dim]);
    return tf.add(x, proj(o).reshape([n, h, w, dim]));
  };
}

function head(p: Params, c: number): (x: tf.Tensor4D) => tf.Tensor2D {
  const fc = dense(p, c, 10);
  return (x) => fc(tf.mean(x, [1, 2])) as tf.Tensor2D;
}

export function buildR1(rng: Rng): BenchNet {
  const p = new Params(rng);
  const body = seq(conv(p, 3, 3, 16, 1, true, 'relu'), depthwise(p, 3, 16, 1, true),
    conv(p, 1, 16, 32, 1, true, 'relu'), conv(p, 3, 32, 32, 2, true, 'relu'));
  const out = head(p, 32);
  return { name: 'R1', inputShape: [32, 32, 32, 3], variables: p.variables, forward: (x, t) => out(body(x, t)) };
}

export function buildR2(rng: Rng): BenchNet {
  const p = new Params(rng);
  const body = seq(conv(p, 3, 1, 16), batchNorm(p, 16), relu, mbconv(p, 16, 24, 3, 5, 2),
    mbconv(p, 24, 24, 3, 3, 1), mbconv(p, 24, 32, 3, 5, 2), attention(p, 32, 4));
  const out = head(p, 32);
  return { name: 'R2', inputShape: [64, 28, 28, 1], variables: p.variables, forward: (x, t) => out(body(x, t)) };
}
