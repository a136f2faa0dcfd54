/** The loss gradient that snip, grad_norm and fisher read: one training-mode pass over the minibatch. */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import type { WeightLayer } from './layers.ts';
import type { ProxyBatch } from './types.ts';

/**
 * `reduce` of each layer's kernel and its loss gradient, summed over layers in float64. Runs in
 * training mode (batch statistics), as the reference scores a module in its default train mode.
 */
export function sumOverKernels(net: Network, batch: ProxyBatch, layers: readonly WeightLayer[], reduce: (kernel: tf.Tensor, grad: tf.Tensor) => tf.Scalar): number {
  const kernels = layers.map((l) => l.kernel);
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => batch.loss(net.forward(batch.x, true)), kernels);
    // A kernel cut off from the loss (behind a `none` edge) has no gradient: it adds nothing.
    const perLayer = kernels.flatMap((k) => (grads[k.name] ? [reduce(k, grads[k.name])] : []));
    return perLayer.length ? Array.from(tf.stack(perLayer).dataSync()).reduce((s, v) => s + v, 0) : 0;
  });
}
