/**
 * Runs proxies on one network: each sees the network as built (its variables and batch-norm
 * statistics restored after every proxy, as the reference gives each measure its own copy), and
 * every tensor a proxy makes is released.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../../nn/network.ts';
import type { ProxyBatch, ProxyScore, ZeroCostProxy } from './types.ts';

/** Runs `fn`, then puts every variable and buffer of `net` back as it was. */
function restoringState<T>(net: Network, fn: () => T): T {
  const saved = [...net.variables(), ...net.buffers()].map(({ variable }) => [variable, tf.clone(variable)] as const);
  try {
    return fn();
  } finally {
    for (const [v, copy] of saved) v.assign(copy);
    tf.dispose(saved.map(([, copy]) => copy));
  }
}

/** `batch` may be left out when no proxy reads data. */
export function scoreNetwork(net: Network, proxies: readonly ZeroCostProxy[], batch?: ProxyBatch): Record<string, ProxyScore> {
  const before = tf.memory().numTensors;
  const out: Record<string, ProxyScore> = {};
  const run = (p: ZeroCostProxy): ProxyScore => {
    if (!p.usesData) return p.score(net);
    if (!batch) throw new Error(`zero-cost proxy ${p.name} reads a minibatch, and none was given`);
    return p.score(net, batch);
  };
  for (const p of proxies) out[p.name] = restoringState(net, () => run(p));
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`zero-cost proxies ${proxies.map((p) => p.name).join(', ')} left ${leaked} tensors`);
  return out;
}
