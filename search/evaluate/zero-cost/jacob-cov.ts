/**
 * jacob_cov (Mellor et al., "Neural Architecture Search without Training", first version, 2020;
 * as zero-cost-nas computes it, Abdelfattah et al., ICLR 2021): each image's input gradient of the
 * summed outputs, J_i = ∂(Σ y)/∂x_i, flattened; C the correlation matrix of these rows across the
 * minibatch, with eigenvalues v; the score is −Σ (log(v + k) + 1/(v + k)), k = 1e-5. A network whose
 * images get nearly collinear gradients (a near-singular C) scores very low. Run in training mode
 * (batch statistics), as the reference's `bn=True`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import { symmetricEigenvalues } from '../../util/eigen.ts';
import type { ProxyBatch, ProxyScore, ZeroCostProxy } from './types.ts';

const K = 1e-5;

/** The correlation matrix of the per-image input gradients (float64), or which image has a constant one. */
function jacobianCorrelation(net: Network, x: tf.Tensor4D): { corr: Float64Array } | { constantRow: number } {
  const b = x.shape[0];
  const { centred, norms } = tf.tidy(() => {
    // The zero term keeps a path from the input to the sum when the network cuts it (a cell of `none`
    // edges): then every gradient is zero, reported below as a constant row instead of a tf.js error.
    const j = tf.reshape(tf.grad((input: tf.Tensor) => tf.add(tf.sum(net.forward(input, true)), tf.mul(0, tf.sum(input))))(x), [b, -1]);
    const c = tf.sub(j, tf.mean(j, 1, true));
    return { centred: tf.keep(c), norms: tf.keep(tf.norm(c, 'euclidean', 1)) };
  });
  try {
    const n = norms.dataSync();
    const flat = n.findIndex((v) => !(v > 0));
    if (flat >= 0) return { constantRow: flat };
    const gram = tf.tidy(() => tf.matMul(centred, centred, false, true).dataSync());
    const corr = new Float64Array(b * b);
    for (let i = 0; i < b; i++) for (let k = 0; k < b; k++) corr[i * b + k] = gram[i * b + k] / (n[i] * n[k]);
    return { corr };
  } finally {
    tf.dispose([centred, norms]);
  }
}

function jacobCov(net: Network, batch: ProxyBatch): ProxyScore {
  const b = batch.x.shape[0];
  if (b < 2) return { undefined: `jacob_cov correlates images: it needs a batch of at least 2, got ${b}` };
  const c = jacobianCorrelation(net, batch.x);
  if ('constantRow' in c) return { undefined: `the input gradient of image ${c.constantRow} is constant (the output does not vary with its pixels), so it has no correlation` };
  let score = 0;
  for (const v of symmetricEigenvalues(c.corr, b)) score -= Math.log(v + K) + 1 / (v + K);
  return Number.isFinite(score) ? { value: score } : { undefined: `the correlation matrix has an eigenvalue below -${K} (rounding), so the score is not a number` };
}

export const jacobCovProxy: ZeroCostProxy = {
  name: 'jacob_cov',
  description: '−Σ(log(v+k) + 1/(v+k)) over eigenvalues v of the correlation of per-image input gradients (Mellor et al. 2020)',
  usesData: true,
  score: jacobCov,
};
