/**
 * A replica module for test/data-parallel.test.ts: networkReplica around a two-layer perceptron
 * with no batch norm (so N workers on a batch must train exactly as one worker on it, up to float
 * rounding), plus a layer whose buffer keeps a running mean of its input (linear in the shard's
 * mean, as BatchNorm's running mean is), trained by momentum SGD.
 */
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../search/nn/layers.ts';
import { Layer, Sequential, type Shape } from '../search/nn/module.ts';
import { networkReplica } from '../search/train/data-parallel/network-replica.ts';
import { createRng } from '../search/util/rng.ts';

export const FEATURES = 12, HIDDEN = 8, CLASSES = 3;

class RunningMean extends Layer {
  readonly kind = 'running_mean';
  readonly config = {};
  private readonly mean = this.addBuffer('mean', [FEATURES], new Float32Array(FEATURES));
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    if (training) tf.tidy(() => this.mean.assign(tf.add(tf.mul(this.mean, 0.9), tf.mul(tf.mean(x, 0), 0.1))));
    return x;
  }
  outputShape(s: Shape): Shape { return s; }
  flops(): number { return 0; }
}

class Tanh extends Layer {
  readonly kind = 'tanh';
  readonly config = {};
  forward(x: tf.Tensor): tf.Tensor { return tf.tanh(x); }
  outputShape(s: Shape): Shape { return s; }
  flops(): number { return 0; }
}

export function createReplica(args: unknown) {
  const rng = createRng((args as { seed: number }).seed);
  const net = new Sequential([['mean', new RunningMean()], ['hidden', new Dense(FEATURES, HIDDEN, rng)], ['tanh', new Tanh()], ['out', new Dense(HIDDEN, CLASSES, rng)]]);
  const replica = networkReplica(net, { kind: 'momentum', learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3, clipNorm: 5 });
  return {
    ...replica,
    call(method: string, a: unknown) {
      if (method === 'weights') return [...net.variables(), ...net.buffers()].map((v) => Array.from(v.variable.dataSync()));
      // One worker's replica moved off the others, for the test of checkIdentical.
      if (method === 'nudge') { const b = net.variables().at(-1)!.variable; tf.tidy(() => b.assign(tf.add(b, 1e-6))); return null; }
      return replica.call(method, a);
    },
  };
}
