/**
 * Fisher (Theis et al. 2018; Turner et al., ICLR 2020; as a NAS proxy, Abdelfattah et al., ICLR
 * 2021): for each output channel k of each convolution and dense layer, with activation a and
 * loss gradient g there, Δ_k = ½ · mean over images of (Σ over positions of a·g)²; the score sums
 * Δ over channels and layers. The reference reads a·g through a backward hook on an identity after
 * each layer; here a forward hook puts an identity with that gradient side effect in the same place.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import { weightLayers, withHooks } from './layers.ts';
import { defined, type ProxyBatch, type ZeroCostProxy } from './types.ts';

function fisher(net: Network, batch: ProxyBatch): number {
  const images = batch.x.shape[0];
  const layers = weightLayers(net);
  const parts: tf.Scalar[] = [];
  // Identity forward; on the way back, records this layer's Δ summed over channels. Outputs are
  // [images, ..., channels] (attention's token rows stay grouped by image), so a·g is summed over the middle axes.
  const tap = tf.customGrad((a, save) => {
    (save as tf.GradSaveFunc)([a as tf.Tensor]);
    return {
      value: tf.clone(a as tf.Tensor),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const channels = saved.shape[saved.shape.length - 1];
        parts.push(tf.keep(tf.tidy(() => {
          const perImage = tf.sum(tf.reshape(tf.mul(saved, dy), [images, -1, channels]), 1);
          return tf.mul(tf.sum(tf.mean(tf.square(perImage), 0)), 0.5) as tf.Scalar;
        })));
        return tf.clone(dy);
      },
    };
  });
  try {
    withHooks(layers.map((l) => l.layer), () => (y) => tap(y), () => tf.tidy(() => {
      tf.variableGrads(() => batch.loss(net.forward(batch.x, true)), layers.map((l) => l.kernel));
    }));
    return parts.length ? tf.tidy(() => tf.addN(parts).dataSync()[0]) : 0;
  } finally {
    tf.dispose(parts);
  }
}

export const fisherProxy: ZeroCostProxy = {
  name: 'fisher',
  description: 'sum over channels of ½·mean over images of (Σ activation·gradient)² (Theis et al. 2018)',
  usesData: true,
  score: (net, batch) => defined(fisher(net, batch)),
};
