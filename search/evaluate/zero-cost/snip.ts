/**
 * SNIP (Lee et al., ICLR 2019; as a NAS proxy, Abdelfattah et al., ICLR 2021): the loss's
 * sensitivity to removing each weight, |w · ∂L/∂w|, summed over convolution and dense kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { sumOverKernels } from './gradients.ts';
import { weightLayers } from './layers.ts';
import { defined, type ZeroCostProxy } from './types.ts';

export const snipProxy: ZeroCostProxy = {
  name: 'snip',
  description: 'sum of |w·∂L/∂w| over the minibatch loss (Lee et al. 2019)',
  usesData: true,
  score: (net, batch) => defined(sumOverKernels(net, batch, weightLayers(net), (k, g) => tf.sum(tf.abs(tf.mul(k, g))))),
};
