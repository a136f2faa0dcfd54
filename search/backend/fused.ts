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

/**
 * x * scale + shift along the last axis. On wasm a 4-D x goes through a 1x1 depthwise convolution
 * with bias: one pass of XNNPACK where the broadcasting Mul and Add take about 8x as long (a
 * [256, 28, 28, 8] feature map: 0.8 ms against 6.9), with the same bits, since its single tap is
 * the same multiply followed by the same add. Not differentiable on its own: for forward values
 * and inside gradients.
 */
export function channelAffine(x: tf.Tensor, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    if (tf.getBackend() !== 'wasm' || x.rank !== 4) return tf.add(tf.mul(x, scale), shift);
    const filter = tf.reshape(scale, [1, 1, scale.size, 1]) as tf.Tensor4D;
    return tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter, strides: 1, pad: 'valid', bias: shift });
  });
}

/** Inference-mode batch normalisation as one scale and one shift (tfjs' FusedBatchNorm is slow on wasm). */
export function batchNormInfer(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps))) as tf.Tensor1D;
    return channelAffine(x, scale, tf.sub(beta, tf.mul(mean, scale)));
  });
}

export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** Batch statistics over every axis but the last (biased variance), for running averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta over the batch of channels-last x; without
 * gamma and beta (non-affine, as DARTS' supernet) just the normalised x.
 *
 * The statistics are computed inside the custom op, where tfjs records nothing on the gradient
 * tape: recorded, they would keep a full-size x - mean alive until the backward pass (DARTS
 * supernets run out of wasm memory on such copies).
 */
export function batchNormTrain(x: tf.Tensor, gamma?: tf.Tensor1D, beta?: tf.Tensor1D, eps = 1e-5): BatchNormTrainResult {
  const n = x.size / x.shape[x.rank - 1];
  let mean: tf.Tensor1D | undefined, variance: tf.Tensor1D | undefined;
  const normalise = (xt: tf.Tensor, save: (t: tf.Tensor[]) => void): tf.Tensor => {
    // Kept past the op's own tidy; handed to the caller's scope below.
    mean = tf.keep(tf.div(channelSum(xt), n) as tf.Tensor1D);
    // x * 1 + (-mean) and centered * rstd + 0 are x - mean and centered * rstd to the bit.
    const centered = channelAffine(xt, tf.onesLike(mean), tf.neg(mean));
    variance = tf.keep(tf.div(channelSum(tf.square(centered)), n) as tf.Tensor1D);
    const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor1D;
    const xhat = channelAffine(centered, rstd, tf.zerosLike(rstd));
    save([xhat, rstd]);
    return xhat;
  };
  // dx = gamma * rstd * (dy - (sum(dy) + xhat * sum(dy * xhat)) / n)
  const inputGrad = (dy: tf.Tensor, xh: tf.Tensor, scale: tf.Tensor, dgamma: tf.Tensor, dbeta: tf.Tensor): tf.Tensor => {
    const correction = channelAffine(xh, tf.div(dgamma, n) as tf.Tensor1D, tf.div(dbeta, n) as tf.Tensor1D);
    return channelAffine(tf.sub(dy, correction), scale as tf.Tensor1D, tf.zerosLike(scale) as tf.Tensor1D);
  };
  let y: tf.Tensor;
  if (gamma && beta) {
    y = tf.customGrad((xi, g, b, save) => {
      const saveAll = save as (t: tf.Tensor[]) => void;
      const xhat = normalise(xi as tf.Tensor, (t) => saveAll([...t, g as tf.Tensor]));
      return {
        value: channelAffine(xhat, g as tf.Tensor1D, b as tf.Tensor1D),
        gradFunc: (dy: tf.Tensor, [xh, rs, gm]: tf.Tensor[]) => {
          const dbeta = channelSum(dy);
          const dgamma = channelSum(tf.mul(dy, xh));
          return [inputGrad(dy, xh, tf.mul(gm, rs), dgamma, dbeta), dgamma, dbeta];
        },
      };
    })(x, gamma, beta);
  } else if (!gamma && !beta) {
    y = tf.customGrad((xi, save) => ({
      value: normalise(xi as tf.Tensor, save as (t: tf.Tensor[]) => void),
      gradFunc: (dy: tf.Tensor, [xh, rs]: tf.Tensor[]) => inputGrad(dy, xh, rs, channelSum(tf.mul(dy, xh)), channelSum(dy)),
    }))(x);
  } else {
    throw new Error('batchNormTrain: give both gamma and beta, or neither');
  }
  const stats = [mean!, variance!];
  const [m, v] = stats.map((t) => t.clone() as tf.Tensor1D);
  tf.dispose(stats);
  return { y, mean: m, variance: v };
}
