/**
 * The parts of a network the proxies read, as zero-cost-nas reads `nn.Conv2d` and `nn.Linear`
 * weights and NASWOT hooks `nn.ReLU`: walked from the module tree, the training-only auxiliary
 * head left out.
 */
import * as tf from '@tensorflow/tfjs';
import { Layer, type ForwardHook, type Module } from '../../nn/module.ts';
import type { Network } from '../../nn/network.ts';

function inferenceModules(net: Network): Module[] {
  const out: Module[] = [];
  const walk = (m: Module): void => {
    out.push(m);
    for (const [, c] of m.children()) walk(c);
  };
  for (const [name, c] of net.children()) if (name !== 'auxiliary') walk(c);
  return out;
}

export interface WeightLayer {
  layer: Layer;
  /** The convolution or dense kernel, the `weight` of the reference code (biases are not scored). */
  kernel: tf.Variable;
}

/** Every convolution and dense layer, with its kernel. */
export function weightLayers(net: Network): WeightLayer[] {
  return inferenceModules(net).flatMap((m) => {
    if (!(m instanceof Layer) || (m.kind !== 'conv2d' && m.kind !== 'dense')) return [];
    const kernel = m.params().find(([n]) => n === 'kernel')?.[1];
    return kernel ? [{ layer: m, kernel }] : [];
  });
}

export function reluLayers(net: Network): Layer[] {
  return inferenceModules(net).filter((m): m is Layer => m instanceof Layer && m.kind === 'relu');
}

/** Runs `fn` with `hook` on each of `layers`, removing the hooks afterwards whatever happens. */
export function withHooks<T>(layers: readonly Layer[], hook: (layer: Layer, index: number) => ForwardHook, fn: () => T): T {
  layers.forEach((l, i) => { l.forwardHook = hook(l, i); });
  try {
    return fn();
  } finally {
    for (const l of layers) l.forwardHook = undefined;
  }
}

/** Modules whose output does not scale with their input (softmax attention, layer norm, sigmoid gates). */
const NOT_HOMOGENEOUS = new Set(['window_msa', 'global_msa', 'layer_norm', 'channel_attention']);

/**
 * Whether f(a·x) = a·f(x) for a > 0 holds at initialisation: convolutions, dense layers, ReLU,
 * pooling, batch norm without shift, sums and concatenations do; attention and normalisation of
 * tokens do not. Zero-initialised biases keep it true.
 */
export function positivelyHomogeneous(net: Network): boolean {
  return !inferenceModules(net).some((m) => NOT_HOMOGENEOUS.has(m.kind));
}
