/**
 * Batch-norm recalibration: a subnet that inherits a supernet's weights inherits running
 * statistics averaged over every path the supernet trained, which are not its own; forward passes
 * in training mode over a few batches replace them with the subnet's. Each batch's statistics get
 * weight 1/(i+1) (momentum 1, 1/2, 1/3, ...), so after n batches the running mean and variance are
 * the plain average over the n batches, whatever they held before, as PyTorch's momentum=None.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import type { Network } from '../nn/network.ts';

function batchNorms(m: Module, out: BatchNorm[] = []): BatchNorm[] {
  if (m instanceof BatchNorm) out.push(m);
  for (const [, c] of m.children()) batchNorms(c, out);
  return out;
}

/** Recomputes the running statistics of every batch norm the network's forward pass reaches, from `batches`. */
export function recalibrateBatchNorm(net: Network, batches: Iterable<tf.Tensor4D>): number {
  const bns = batchNorms(net);
  const momenta = bns.map((bn) => bn.config.momentum);
  let n = 0;
  try {
    for (const x of batches) {
      n++;
      // The momentum is read at each forward pass; setting it here is the cumulative average.
      for (const bn of bns) bn.config.momentum = 1 / n;
      tf.tidy(() => { net.forward(x, true); });
    }
  } finally {
    bns.forEach((bn, i) => { bn.config.momentum = momenta[i]; });
  }
  return n;
}
