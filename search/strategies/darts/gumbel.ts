/**
 * GDAS (Dong & Yang, CVPR 2019) samples, in every forward pass, one op per edge by the Gumbel-max
 * trick: index = argmax(alpha + g) with g standard Gumbel, a draw of softmax(alpha). The edge's
 * weights are one-hot at the index in value, with the gradient of softmax((alpha + g) / tau) (the
 * straight-through estimator, `hardwts = one_h - probs.detach() + probs` in the reference code,
 * D-X-Y/AutoDL-Projects search_model_gdas.py). The reference takes log_softmax(alpha) + g; a
 * softmax is blind to a per-row shift, so softmax((alpha + g) / tau) is the same value with the
 * same gradient. Only the drawn op of each edge is computed (ForwardContext.paths).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/rng.ts';

/** A standard Gumbel variate -log(-log U); redrawn where U is 0 (the reference redraws an infinite sample). */
export function gumbel(rng: Rng): number {
  for (;;) {
    const u = rng.next();
    if (u > 0) return -Math.log(-Math.log(u));
  }
}

/** tau's end: GDAS anneals tau linearly over the epochs from its start to 0.1 (NAS-Bench-201's tau_max 10, tau_min 0.1). */
export const TAU_END = 0.1;

/** tau at an epoch (0-based) of `epochs` searching epochs, linear from `start` at the first to TAU_END at the last (GDAS.py's set_tau). */
export function tauAt(start: number, epoch: number, epochs: number): number {
  if (epochs <= 1 || epoch <= 0) return start;
  return start - ((start - TAU_END) * Math.min(epoch, epochs - 1)) / (epochs - 1);
}

/** One cell type's draw: per edge the index of its op, and the straight-through weights [edges, ops]. */
export interface GumbelDraw { index: number[]; weights: tf.Tensor2D }

/**
 * One draw per row of `alpha` ([edges, ops]), the Gumbel noise taken from `rng` in row-major order.
 * The weights are exactly one-hot in value (not 1 - p + p, which may round off 1) and pass the
 * gradient to softmax((alpha + g) / tau) unchanged.
 */
export function sampleGumbel(alpha: tf.Tensor2D, rng: Rng, tau: number): GumbelDraw {
  const [rows, k] = alpha.shape;
  const a = alpha.dataSync();
  const g = Float32Array.from({ length: rows * k }, () => gumbel(rng));
  const index: number[] = [];
  const hot = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (a[r * k + j] + g[r * k + j] > a[r * k + best] + g[r * k + best]) best = j;
    index.push(best);
    hot[r * k + best] = 1;
  }
  const straightThrough = tf.customGrad(() => ({ value: tf.tensor2d(hot, [rows, k]), gradFunc: (dy: tf.Tensor) => dy }));
  const weights = tf.tidy(() => straightThrough(tf.softmax(tf.div(tf.add(alpha, tf.tensor2d(g, [rows, k])), tau))) as tf.Tensor2D);
  return { index, weights };
}
