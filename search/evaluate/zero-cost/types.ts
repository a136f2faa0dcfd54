/**
 * What a zero-cost proxy is: a score of an untrained network from (at most) one minibatch,
 * higher meaning a better network is expected. A proxy that cannot score a network says why
 * instead of returning NaN.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';

export type ProxyScore = { value: number } | { undefined: string };

/** One minibatch: normalised NHWC images and the loss of a network's logits against their labels. */
export interface ProxyBatch {
  x: tf.Tensor4D;
  /** Mean loss (classification cross-entropy, or per-pixel cross-entropy for segmentation). */
  loss: (logits: tf.Tensor) => tf.Scalar;
}

interface ProxyInfo {
  name: string;
  /** One line for listings and reports. */
  description: string;
}

/**
 * Scores a network as it is (at initialisation, when used as a proxy). May change the network's
 * variables while it runs; the runner (score.ts) restores them afterwards. Synflow and the size
 * baselines need only the network; the others read the minibatch.
 */
export type ZeroCostProxy =
  | ProxyInfo & { usesData: false; score(net: Network): ProxyScore }
  | ProxyInfo & { usesData: true; score(net: Network, batch: ProxyBatch): ProxyScore };

export const defined = (value: number): ProxyScore =>
  (Number.isFinite(value) ? { value } : { undefined: `the score is not a finite number (${value})` });
