/**
 * Training-mode batch normalisation with a closed-form gradient. tfjs' own FusedBatchNorm
 * gradient reduces through Tile and many broadcasts, which on wasm cost several times the whole
 * PyTorch training step (R2 of the yardstick); this backward is a handful of reductions.
 */
import * as tf from '@tensorflow/tfjs';
import { CHANNEL_SUM } from './wasm-kernels.ts';

/**
 * Sum over every axis but the last. Not differentiable: for statistics and inside gradients.
 * On wasm tf.sum over axes [0, 1, 2] transposes first and costs ~8x our kernel.
 */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  if (tf.getBackend() === 'wasm') return tf.engine().runKernel(CHANNEL_SUM, { x }) as tf.Tensor1D;
  return tf.sum(x, x.shape.slice(0, -1).map((_, i) => i)) as tf.Tensor1D;
}

/** Inference-mode batch normalisation as one scale and one shift (tfjs' FusedBatchNorm is slow on wasm). */
export function batchNormInfer(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
  });
}

export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** Batch statistics over every axis but the last (biased variance), for running averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta over the batch of channels-last x. */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): BatchNormTrainResult {
  const n = x.size / x.shape[x.rank - 1];
  const [mean, variance] = tf.tidy(() => {
    const m = tf.div(channelSum(x), n);
    return [m, tf.div(channelSum(tf.square(tf.sub(x, m))), n)] as tf.Tensor1D[];
  });
  const f = tf.customGrad((xi, g, b, save) => {
    const xt = xi as tf.Tensor, gt = g as tf.Tensor1D, bt = b as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(xt, mean), rstd);
    (save as (t: tf.Tensor[]) => void)([xhat, rstd, gt]);
    return {
      value: tf.add(tf.mul(xhat, gt), bt),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gm] = saved;
        const dbeta = channelSum(dy);
        const dgamma = channelSum(tf.mul(dy, xh));
        // dx = gamma * rstd / n * (n * dy - sum(dy) - xhat * sum(dy * xhat))
        const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, n), dbeta), tf.mul(xh, dgamma)), tf.div(tf.mul(gm, rs), n));
        return [dx, dgamma, dbeta];
      },
    };
  });
  return { y: f(x, gamma, beta), mean, variance };
}
