/** The other size baseline: multiply-accumulates per image, as search/nn counts them. */
import { defined, type ZeroCostProxy } from './types.ts';

export const flopsProxy: ZeroCostProxy = {
  name: 'flops',
  description: 'multiply-accumulates per image of the inference network',
  usesData: false,
  score: (net) => defined(net.flops()),
};
