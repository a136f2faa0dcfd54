/**
 * The optimizer step around tf.train.momentum / tf.train.adam: gradient clipping by global norm,
 * weight decay on kernels only (not on BatchNorm/LayerNorm scales, biases or attention tables),
 * either as L2 added to the gradient (PyTorch SGD weight_decay) or decoupled (AdamW), and a
 * learning rate that can change every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../nn/module.ts';

export type OptimizerKind = 'momentum' | 'adam';
export type WeightDecayMode = 'l2' | 'decoupled';

export interface OptimizerOptions {
  kind: OptimizerKind;
  learningRate: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  weightDecay: number;
  /** Default: 'l2' for momentum (as DARTS trains), 'decoupled' for adam (AdamW). */
  weightDecayMode?: WeightDecayMode;
  /** Global-norm clip (DARTS: 5); 0 or undefined disables. */
  clipNorm?: number;
  /**
   * Leave a variable the loss did not reach exactly as it is: no momentum carried on, no weight
   * decay (as PyTorch skips a parameter whose grad is None). A single-path supernet needs this:
   * an op off this step's path would otherwise keep moving by its stale momentum, for many steps,
   * with no gradient to correct it (the SPOS reference code sets zero gradients to None for it).
   */
  freezeUnreached?: boolean;
}

/** Only convolution and dense kernels are decayed. */
export const isDecayed = (name: string): boolean => name === 'kernel' || name.endsWith('.kernel');

export interface Stepper {
  readonly optimizer: tf.Optimizer;
  /** Applies one update with these gradients (keyed by tf variable name) at this learning rate; returns the global norm before clipping. */
  step(grads: tf.NamedTensorMap, lr: number): number;
  dispose(): void;
}

/**
 * Gradients are passed to tf's optimizer as an array in the fixed order of `vars`: tf's momentum
 * and adam keep their slots by position, so the order must never change between steps (and a
 * restored optimizer state must be in that order too).
 */
export function createStepper(vars: NamedVariable[], o: OptimizerOptions): Stepper {
  const mode = o.weightDecayMode ?? (o.kind === 'adam' ? 'decoupled' : 'l2');
  const optimizer = o.kind === 'adam' ? tf.train.adam(o.learningRate) : tf.train.momentum(o.learningRate, o.momentum ?? 0.9);
  const decayed = vars.map((v) => o.weightDecay > 0 && isDecayed(v.name));

  const setLr = (lr: number): void => {
    if (o.kind === 'momentum') (optimizer as tf.MomentumOptimizer).setLearningRate(lr);
    // AdamOptimizer reads its (protected) learningRate field at every step and has no setter.
    else (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  return {
    optimizer,
    step(grads, lr) {
      setLr(lr);
      let norm = 0;
      tf.tidy(() => {
        // A variable the loss does not reach gets a zero gradient (or, frozen, a null one, which
        // tf's optimizers skip), keeping slot positions fixed.
        const reached = vars.map(({ variable }) => !o.freezeUnreached || grads[variable.name] !== undefined);
        const gs = vars.map(({ variable }) => grads[variable.name] ?? tf.zerosLike(variable));
        norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g))))).dataSync()[0];
        const scale = o.clipNorm && norm > o.clipNorm ? o.clipNorm / (norm + 1e-6) : 1;
        const final = gs.map((g, i) => {
          const clipped = scale === 1 ? g : tf.mul(g, scale);
          return mode === 'l2' && decayed[i] ? tf.add(clipped, tf.mul(vars[i].variable, o.weightDecay)) : clipped;
        });
        if (mode === 'decoupled') {
          vars.forEach(({ variable }, i) => { if (decayed[i] && reached[i]) variable.assign(tf.mul(variable, 1 - lr * o.weightDecay)); });
        }
        optimizer.applyGradients(vars.map(({ variable }, i) => ({ name: variable.name, tensor: reached[i] ? final[i] : null as unknown as tf.Tensor })));
      });
      return norm;
    },
    dispose() {
      optimizer.dispose();
      // MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD parent keeps (tfjs 4.22).
      if (o.kind === 'momentum') (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
    },
  };
}
