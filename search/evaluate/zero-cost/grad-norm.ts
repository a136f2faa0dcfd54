/** grad_norm (Abdelfattah et al., ICLR 2021): the Euclidean norm of each kernel's loss gradient, summed over layers. */
import * as tf from '@tensorflow/tfjs';
import { sumOverKernels } from './gradients.ts';
import { weightLayers } from './layers.ts';
import { defined, type ZeroCostProxy } from './types.ts';

export const gradNormProxy: ZeroCostProxy = {
  name: 'grad_norm',
  description: 'sum over layers of ‖∂L/∂w‖₂ on the minibatch',
  usesData: true,
  score: (net, batch) => defined(sumOverKernels(net, batch, weightLayers(net), (_k, g) => tf.norm(g) as tf.Scalar)),
};
