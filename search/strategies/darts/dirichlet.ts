/**
 * DrNAS (Chen et al. 2021) treats each edge's mixing weights as a sample of a Dirichlet whose
 * concentrations are elu(alpha) + 1, and learns alpha through reparameterised samples; the
 * sampling noise explores, and a KL term towards the uniform Dirichlet Dir(1) keeps the
 * concentrations from running away. This module holds the two pieces tf.js lacks:
 *
 * - a reparameterised Dirichlet sample: Gamma(c) variates by Marsaglia and Tsang's method, whose
 *   accepted variate d * (1 + e / sqrt(9d))^3 (d = c - 1/3) is a differentiable function of c for
 *   the fixed accepted normal e (the rejection-sampling reparameterisation of Naesseth et al. 2017,
 *   without its small correction term), boosted by U^(1/c) for c < 1; normalised in log space
 *   (a softmax of the log-variates) so that tiny variates do not underflow;
 * - KL(Dir(c) || Dir(1)) with its gradient, from log-gamma, digamma and trigamma in plain JS.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/rng.ts';

/** Concentrations elu(alpha) + 1: positive, and 1 (the uniform Dirichlet's) at alpha = 0. */
export function concentrations(alpha: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.elu(alpha), 1));
}

/** The fixed noise of one Gamma(c) draw: the accepted normal, and log U of the boost (0 when c >= 1). */
interface GammaNoise { e: number; logBoost: number }

function gammaNoise(c: number, rng: Rng): GammaNoise {
  const boosted = c < 1;
  const d = (boosted ? c + 1 : c) - 1 / 3;
  const s = 1 / Math.sqrt(9 * d);
  for (;;) {
    const e = rng.normal();
    const v = (1 + s * e) ** 3;
    if (v <= 0) continue;
    if (Math.log(rng.next() || Number.MIN_VALUE) < 0.5 * e * e + d - d * v + d * Math.log(v)) {
      return { e, logBoost: boosted ? Math.log(rng.next() || Number.MIN_VALUE) : 0 };
    }
  }
}

/**
 * One Dirichlet sample per row of `alpha` ([rows, k]) with concentrations elu(alpha) + 1,
 * differentiable in alpha. The random choices come from `rng` (consumed in row-major order).
 */
export function sampleDirichlet(alpha: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  const c = Array.from(tf.tidy(() => concentrations(alpha)).dataSync() as Float32Array);
  const noise = c.map((ci) => gammaNoise(ci, rng));
  return tf.tidy(() => {
    const conc = concentrations(alpha);
    const boost = tf.tensor(c.map((ci) => (ci < 1 ? 1 : 0)), alpha.shape);
    const d = tf.sub(tf.add(conc, boost), 1 / 3);
    const e = tf.tensor(noise.map((n) => n.e), alpha.shape);
    const logBoost = tf.tensor(noise.map((n) => n.logBoost), alpha.shape);
    // log Gamma variate: log d + 3 log(1 + e / sqrt(9d)) + log U / c.
    const logG = tf.addN([tf.log(d), tf.mul(3, tf.log(tf.add(1, tf.div(e, tf.sqrt(tf.mul(9, d)))))), tf.div(logBoost, conc)]);
    return tf.softmax(logG) as tf.Tensor2D;
  });
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const y = x - 1;
  let a = g[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** digamma(x) for x > 0: recurrence up to 6, then the asymptotic series. */
export function digamma(x: number): number {
  let r = 0;
  for (; x < 6; x++) r -= 1 / x;
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** trigamma(x) for x > 0: recurrence up to 6, then the asymptotic series. */
export function trigamma(x: number): number {
  let r = 0;
  for (; x < 6; x++) r += 1 / (x * x);
  const f = 1 / (x * x);
  return r + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)));
}

/**
 * Sum over rows of KL(Dir(c_row) || Dir(1)) for the concentrations `conc` ([rows, k]), as a
 * scalar with its gradient: d/dc_j = (c_j - 1) trigamma(c_j) - (c0 - k) trigamma(c0), c0 = sum c.
 */
export function klToUniformDirichlet(conc: tf.Tensor2D): tf.Scalar {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [rows, k] = x.shape;
    const c = x.dataSync();
    let kl = 0;
    const grad = new Float32Array(c.length);
    for (let r = 0; r < rows; r++) {
      let c0 = 0;
      for (let j = 0; j < k; j++) c0 += c[r * k + j];
      // KL = lnG(c0) - sum lnG(c_j) - lnG(k) + sum (c_j - 1)(psi(c_j) - psi(c0)).
      kl += logGamma(c0) - logGamma(k);
      const psi0 = digamma(c0), tri0 = trigamma(c0);
      for (let j = 0; j < k; j++) {
        const cj = c[r * k + j];
        kl += -logGamma(cj) + (cj - 1) * (digamma(cj) - psi0);
        grad[r * k + j] = (cj - 1) * trigamma(cj) - (c0 - k) * tri0;
      }
    }
    const g = tf.tensor(grad, x.shape);
    save([g]);
    return { value: tf.scalar(kl), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, saved) };
  });
  return op(conc) as tf.Scalar;
}
