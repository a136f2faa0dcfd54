/** The baseline the literature finds hard to beat (ZiCo, ICLR 2023): the number of trainable parameters. */
import { defined, type ZeroCostProxy } from './types.ts';

export const paramsProxy: ZeroCostProxy = {
  name: 'params',
  description: 'trainable parameters of the inference network',
  usesData: false,
  score: (net) => defined(net.paramCount()),
};
