/**
 * SynFlow (Tanaka et al., NeurIPS 2020; as a NAS proxy, Abdelfattah et al., ICLR 2021): with every
 * weight replaced by its absolute value, R = sum of the network's outputs for an all-ones input;
 * the score is the sum over convolution and dense kernels of |w · ∂R/∂w|. Data-independent.
 *
 * Batch norm: the reference bypasses it (a no-op forward). Here the network runs in inference mode
 * with running mean 0 and variance 1, so a batch norm is |γ|x/√(1+ε) + |β|: at initialisation
 * (γ = 1, β = 0) the identity up to a factor 1/√(1+1e-5) per layer.
 *
 * Range: R grows geometrically with depth (deep cell networks pass 1e38, the float32 limit; the
 * reference runs in float64, which tf.js lacks), and so do the gradients flowing back. When the
 * gain leaves a safe range, the input and the backward seed are scaled by powers of two and the
 * score divided by their product in float64 — exact for positively homogeneous networks (every
 * layer is, with zero biases, as at initialisation). Networks with attention or layer norm are not
 * homogeneous: they run unscaled, and a score that overflows there is reported undefined.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import { positivelyHomogeneous, weightLayers } from './layers.ts';
import type { ProxyScore, ZeroCostProxy } from './types.ts';

/** Gains inside 2^±60 run unscaled: activations, gradients and the kernel sums stay far from 2^±126. */
const SAFE_LOG2 = 60;
/** Beyond 2^±240, even halves of the gain (2^±120) leave float32. */
const MAX_LOG2 = 240;
/** The probe input for nets that overflow at 1: small enough for any net we build, above float32's 2^-126. */
const PROBE_LOG2 = -100;

/** log2 of the largest output for input a (an all-ones batch of one times a); NaN when out of range. */
function outputLog2(net: Network, inShape: number[], a: number): number {
  const top = tf.tidy(() => tf.max(net.forward(tf.fill([1, ...inShape], a), false)).dataSync()[0]);
  return top > 0 && Number.isFinite(top) ? Math.log2(top) : top === 0 ? -Infinity : NaN;
}

/**
 * log2 of the all-ones output's scale, p: the network's gain. Measured at input 1, or, when that
 * overflows, at input 2^PROBE_LOG2 and shifted back (exact for homogeneous networks).
 */
function gainLog2(net: Network, inShape: number[]): number {
  const atOne = outputLog2(net, inShape, 1);
  return Number.isNaN(atOne) ? outputLog2(net, inShape, 2 ** PROBE_LOG2) - PROBE_LOG2 : atOne;
}

/**
 * Scales a of the input and b of the backward seed (R·b is differentiated): 1 and 1, the
 * reference's, unless the network is homogeneous and its gain 2^p leaves the safe range. Then
 * a = b = 2^(-p/2): activations grow from a to about 2^(p/2) going forward and gradients from b to
 * about 2^(p/2) going back, where unscaled ones would reach 2^p, and Σ|w·g| scales by a·b.
 */
function scales(net: Network, inShape: number[]): { a: number; b: number } | string {
  if (!positivelyHomogeneous(net)) return { a: 1, b: 1 };
  const p = gainLog2(net, inShape);
  if (p === -Infinity || (p > -SAFE_LOG2 && p < SAFE_LOG2)) return { a: 1, b: 1 };
  if (!Number.isFinite(p) || Math.abs(p) > MAX_LOG2) return `the network's gain (2^${p}) is beyond what float32 can carry forward and back`;
  const s = 2 ** Math.round(-p / 2);
  return { a: s, b: s };
}

function synflow(net: Network): ProxyScore {
  const inShape = net.config.inShape;
  const kernels = weightLayers(net).map((w) => w.kernel);
  tf.tidy(() => {
    for (const v of net.variables()) v.variable.assign(tf.abs(v.variable));
    for (const b of net.buffers()) b.variable.assign(b.name.endsWith('running_var') ? tf.onesLike(b.variable) : tf.zerosLike(b.variable));
  });
  const scale = scales(net, inShape);
  if (typeof scale === 'string') return { undefined: scale };
  const { a, b } = scale;
  const total = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.mul(tf.sum(net.forward(tf.fill([1, ...inShape], a), false)), b) as tf.Scalar, kernels);
    // A kernel cut off from the output (behind a `none` edge) has no gradient: it adds nothing.
    const terms = kernels.flatMap((k) => (grads[k.name] ? [tf.sum(tf.abs(tf.mul(k, grads[k.name])))] : []));
    return terms.length ? tf.addN(terms).dataSync()[0] : 0;
  });
  const value = total / (a * b);
  if (Number.isFinite(value)) return { value };
  return { undefined: a === 1 && !positivelyHomogeneous(net)
    ? 'the all-ones pass overflows float32 and the network, having attention or layer norm, cannot be rescaled'
    : `the score (${total} at scales ${a}, ${b}) is outside float range` };
}

export const synflowProxy: ZeroCostProxy = {
  name: 'synflow',
  description: 'sum of |w·∂R/∂w| with |weights| and an all-ones input (Tanaka et al. 2020)',
  usesData: false,
  score: synflow,
};
