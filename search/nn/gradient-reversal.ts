/**
 * The gradient reversal layer of domain-adversarial training (Ganin & Lempitsky 2015): the
 * identity going forward, the incoming gradient times -coefficient going back. Placed between a
 * feature extractor and a domain discriminator, one loss then trains the discriminator to tell
 * the domains apart and the features to make that impossible.
 */
import * as tf from '@tensorflow/tfjs';

export function reverseGradient<T extends tf.Tensor>(x: T, coefficient: number): T {
  const f = tf.customGrad((input) => ({ value: tf.clone(input as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.mul(dy, -coefficient) }));
  return f(x) as T;
}

/**
 * DANN's ramp of the coefficient over training progress p in [0, 1]: 2 / (1 + exp(-10 p)) - 1,
 * from 0 (the discriminator's early noise does not disturb the features) towards 1, times `max`.
 */
export function reversalCoefficient(progress: number, max: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return max * (2 / (1 + Math.exp(-10 * p)) - 1);
}
