/**
 * A replica for test/data-parallel.test.ts: a one-hidden-layer perceptron (no batch norm, so N
 * workers on a batch must train exactly like one worker on it, up to float rounding), momentum
 * SGD, and a buffer holding a running mean of the inputs (linear in the shard's mean, as
 * BatchNorm's running mean is).
 */
import * as tf from '@tensorflow/tfjs';
import type { Replica } from '../search/train/data-parallel/replica.ts';
import { createStepper } from '../search/train/optimizer.ts';
import { createRng } from '../search/util/rng.ts';

export interface Shard { x: Float32Array; labels: Int32Array; n: number }
export interface Args { lr: number }
export const FEATURES = 12, HIDDEN = 8, CLASSES = 3;

export function createReplica(args: unknown): Replica<Shard, Args> {
  const { seed } = args as { seed: number };
  const rng = createRng(seed);
  const make = (shape: number[], trainable = true): tf.Variable =>
    tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (trainable ? 0.3 * rng.normal() : 0)), shape), trainable);
  const vars = { kernel: make([FEATURES, HIDDEN]), b1: make([HIDDEN]), head: make([HIDDEN, CLASSES]), b2: make([CLASSES]) };
  const named = Object.entries(vars).map(([name, variable]) => ({ name: name === 'kernel' ? 'kernel' : `${name}.bias`, variable }));
  const runningMean = make([FEATURES], false);
  const stepper = createStepper(named, { kind: 'momentum', learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3, clipNorm: 5 });
  const list = named.map((n) => n.variable);
  return {
    params: () => list,
    buffers: () => [runningMean],
    gradients(_phase, s) {
      const x = tf.tensor2d(s.x, [s.n, FEATURES]);
      const y = tf.oneHot(tf.tensor1d(s.labels, 'int32'), CLASSES);
      tf.tidy(() => runningMean.assign(tf.add(tf.mul(runningMean, 0.9), tf.mul(tf.mean(x, 0), 0.1))));
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, vars.kernel), vars.b1)), vars.head), vars.b2)) as tf.Scalar, list);
      const loss = value.dataSync()[0];
      tf.dispose([x, y, value]);
      return { grads: list.map((v) => grads[v.name]), metrics: { loss, n: s.n } };
    },
    apply(_phase, grads, a) {
      stepper.step(Object.fromEntries(list.map((v, i) => [v.name, grads[i]])), a.lr);
    },
    call(method) {
      if (method === 'weights') return [...list, runningMean].map((v) => Array.from(v.dataSync()));
      // One worker's replica moved off the others, for the test of checkIdentical.
      if (method === 'nudge') { tf.tidy(() => vars.b2.assign(tf.add(vars.b2, 1e-6))); return null; }
      throw new Error(`unknown call ${method}`);
    },
    dispose() { stepper.dispose(); tf.dispose([...list, runningMean]); },
  };
}
