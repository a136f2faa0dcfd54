/**
 * NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML 2021): each image of
 * the minibatch gets a binary code, which of the network's ReLUs it switches on; the kernel
 * K[i][j] counts the units on which images i and j agree (both on or both off), and the score is
 * log|det K|. A network that maps different images to different codes scores high. Run in
 * training mode (batch statistics), as the reference scores an untouched PyTorch module.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import { reluLayers, withHooks } from './layers.ts';
import type { ProxyBatch, ProxyScore, ZeroCostProxy } from './types.ts';

/** log|det| of a square matrix (row-major, float64) by LU with partial pivoting; -Infinity when singular. */
export function logAbsDet(m: Float64Array, n: number): number {
  const a = Float64Array.from(m);
  const scale = a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    const pivot = a[p * n + k];
    // K has integer entries: a pivot this small relative to them is rounding left from an exact zero.
    if (Math.abs(pivot) <= scale * n * 1e-12) return -Infinity;
    if (p !== k) for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
    sum += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / pivot;
      if (f !== 0) for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return sum;
}

/** The binary-code kernel of `net` on images `x`: summed over ReLUs of c·cᵀ + (1−c)·(1−c)ᵀ. */
function activationKernel(net: Network, x: tf.Tensor4D): { kernel: Float64Array; units: number } {
  const b = x.shape[0];
  const kernel = new Float64Array(b * b);
  let units = 0;
  const relus = reluLayers(net);
  withHooks(relus, () => (y) => {
    const k = tf.tidy(() => {
      const c = tf.cast(tf.greater(tf.reshape(y, [b, -1]), 0), 'float32') as tf.Tensor2D;
      const off = tf.sub(1, c) as tf.Tensor2D;
      return tf.add(tf.matMul(c, c, false, true), tf.matMul(off, off, false, true));
    });
    // Per layer in float32 (exact while a layer has under 2^24 units), summed across layers in float64.
    k.dataSync().forEach((v, i) => { kernel[i] += v; });
    k.dispose();
    units += y.size / b;
    return y;
  }, () => tf.dispose(net.forward(x, true)));
  return { kernel, units };
}

function naswot(net: Network, batch: ProxyBatch): ProxyScore {
  const b = batch.x.shape[0];
  if (b < 2) return { undefined: `NASWOT compares images: it needs a batch of at least 2, got ${b}` };
  const { kernel, units } = activationKernel(net, batch.x);
  if (units === 0) return { undefined: 'the network has no ReLU, so no activation codes' };
  const value = logAbsDet(kernel, b);
  return value === -Infinity
    ? { undefined: 'the activation kernel is singular: two images of the batch share one code' }
    : { value };
}

export const naswotProxy: ZeroCostProxy = {
  name: 'naswot',
  description: 'log|det K| of the binary ReLU-code kernel over the minibatch (Mellor et al. 2021)',
  usesData: true,
  score: naswot,
};
