/**
 * A replica for the common case: a classifier (any Layer, a Network or a one-shot supernet among
 * them) trained on cross-entropy by the project's stepper (train/optimizer.ts), one phase
 * ('weight'). `beforeStep` runs on every worker before the step's forward pass with the step's
 * arguments: a single-path supernet selects the step's path there, from the step number, so that
 * every worker trains the same path, and returns that path as text; the replica reports its digest
 * as what the step drew (Replica.drawn), for the group to compare across workers: a worker that
 * selected another path would still apply the same averaged gradients and keep equal weights.
 * A supernet trainer's replica module builds its network from
 * its config and seed and returns `networkReplica(net, ...)` from its `createReplica`
 * (strategies/one-shot/parallel.ts); network-steps.ts is the training loop's half.
 */
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../../nn/module.ts';
import { loadOptimizer, loadWeights, saveOptimizer, saveWeights, type NetworkState } from '../checkpoint.ts';
import { createStepper, type OptimizerOptions } from '../optimizer.ts';
import { textDigest } from './digest.ts';
import type { Replica, ShardMetrics } from './replica.ts';

/** Images (NHWC, the batch dimension left out of `shape`) and their class indices. */
export interface LabelledShard { n: number; shape: number[]; x: Float32Array; labels: Int32Array; classes: number }
export interface NetworkStepArgs { step: number; lr: number }
/** A shard's cross-entropy (mean over its images) and hits; `gradNorm`, the averaged gradient's global norm before clipping, is set once it is applied. */
export interface NetworkStepMetrics { loss: number; hits: number; n: number; gradNorm?: number }

/** Cuts images and labels into consecutive shards of these sizes. */
export function labelledShards(x: Float32Array, labels: Int32Array, shape: number[], classes: number, sizes: number[]): LabelledShard[] {
  const per = shape.reduce((a, b) => a * b, 1);
  let at = 0;
  return sizes.map((n) => {
    const s = { n, shape, classes, x: x.slice(at * per, (at + n) * per), labels: labels.slice(at, at + n) };
    at += n;
    return s;
  });
}

/** What networkReplica trains: a module with a plain forward pass to logits (a Layer, a Network). */
export type Classifier = Module & { forward(x: tf.Tensor, training: boolean): tf.Tensor };

export function networkReplica(
  net: Classifier, optimizer: OptimizerOptions, o: { beforeStep?: (a: NetworkStepArgs) => string | void } = {},
): Replica<LabelledShard, NetworkStepArgs> {
  const named = net.variables();
  const vars = named.map((v) => v.variable);
  const buffers = net.buffers().map((b) => b.variable);
  const stepper = createStepper(named, optimizer);
  // Which variables the step's loss reached (the same on every worker: they train the same path),
  // and the metrics the worker returns once the average is applied.
  let reached: boolean[] = [];
  let last: NetworkStepMetrics | null = null;
  // The digest of what beforeStep selected for the last step (null: it selects nothing).
  let drew: string | null = null;
  return {
    params: () => vars,
    buffers: () => buffers,
    gradients(_phase, s, a) {
      const selected = o.beforeStep?.(a);
      drew = typeof selected === 'string' ? textDigest(selected) : null;
      const x = tf.tensor(s.x, [s.n, ...s.shape]);
      const y = tf.oneHot(tf.tensor1d(s.labels, 'int32'), s.classes);
      let hits = 0;
      try {
        const { value, grads } = tf.variableGrads(() => {
          const logits = net.forward(x, true);
          hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.argMax(y, -1)), 'float32')).dataSync()[0]);
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        }, vars);
        const loss = value.dataSync()[0];
        value.dispose();
        reached = vars.map((v) => grads[v.name] !== undefined);
        last = { loss, hits, n: s.n };
        // A variable off the path travels as zeros, to keep the slots' layout; apply leaves it out.
        return { grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)), metrics: last as unknown as ShardMetrics };
      } finally {
        tf.dispose([x, y]);
      }
    },
    drawn: () => drew,
    apply(_phase, grads, a) {
      // Only the reached variables' gradients, as the loop passes them: with the optimizer's
      // freezeUnreached an op off the path then keeps its weights and momentum exactly.
      const norm = stepper.step(Object.fromEntries(vars.flatMap((v, i) => (reached[i] ? [[v.name, grads[i]]] : []))), a.lr);
      if (last) last.gradNorm = norm;
    },
    async call(method, args) {
      if (method === 'save') return { weights: saveWeights(net), optimizer: await saveOptimizer(stepper.optimizer, named) } satisfies NetworkState;
      if (method === 'load') {
        const st = args as NetworkState;
        loadWeights(net, st.weights);
        if (st.optimizer.length) await loadOptimizer(stepper.optimizer, named, st.optimizer);
        return null;
      }
      throw new Error(`network replica: no call '${method}'`);
    },
    dispose() {
      stepper.dispose();
      net.dispose();
    },
  };
}
