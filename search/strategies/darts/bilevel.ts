/**
 * One DARTS search step: the architecture step on a batch of the architecture half (first order,
 * or second order with the paper's finite-difference Hessian-vector product), then the weight
 * step on a batch of the weight half with the architecture fixed.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../nn/module.ts';
import type { Network } from '../../nn/network.ts';
import type { Stepper } from '../../train/optimizer.ts';
import { segmentationLoss } from '../../evaluate/seg-loss.ts';
import { createMixer, type ArchParams, type Mixer } from './arch.ts';

/** A classification batch: images and one-hot rows. */
export interface XY { x: tf.Tensor4D; y: tf.Tensor2D }
/** A segmentation batch: images and a class per pixel (b·H·W, row-major), `ignoreLabel` where nothing counts. */
export interface PixelXY { x: tf.Tensor4D; pixels: Int32Array; ignoreLabel: number }
export type DartsBatch = XY | PixelXY;

/** The architecture-only terms added to the cross-entropy (latency, regularisation); a scalar tensor. */
export type ArchLoss = (ce: tf.Scalar, weights: { normal: tf.Tensor; reduce: tf.Tensor }) => tf.Scalar;

/**
 * `loss`: the minimised loss; `ce`: its cross-entropy part; `hits`: correct predictions in the
 * batch (images, or counted pixels); `predicted`: the per-pixel argmax of a segmentation batch,
 * for the caller's confusion matrix.
 */
export interface StepMetrics { loss: number; ce: number; hits: number; predicted?: Int32Array }

interface Side { hits?: tf.Tensor; ce?: tf.Tensor; predicted?: tf.Tensor }

/** Adam on alpha as DARTS sets it up (lr 3e-4, betas (0.5, 0.999)), with PyTorch's coupled L2 weight decay. */
export interface ArchOptimizer {
  readonly optimizer: tf.Optimizer;
  step(grads: tf.Tensor[]): void;
  dispose(): void;
}

export function createArchOptimizer(arch: ArchParams, o: { learningRate: number; weightDecay: number; beta1?: number; beta2?: number }): ArchOptimizer {
  const optimizer = tf.train.adam(o.learningRate, o.beta1 ?? 0.5, o.beta2 ?? 0.999, 1e-8);
  return {
    optimizer,
    step(grads) {
      tf.tidy(() => {
        optimizer.applyGradients(arch.named.map(({ variable }, i) => ({
          name: variable.name, tensor: o.weightDecay ? tf.add(grads[i], tf.mul(variable, o.weightDecay)) : grads[i],
        })));
      });
    },
    dispose: () => optimizer.dispose(),
  };
}

function crossEntropy(net: Network, mixer: Mixer, b: DartsBatch, archLoss: ArchLoss | null, side?: Side): tf.Scalar {
  const mix = mixer();
  const logits = net.forward(b.x, true, mix);
  const ce = 'pixels' in b ? segmentationLoss(logits, b.pixels, b.ignoreLabel) : tf.losses.softmaxCrossEntropy(b.y, logits) as tf.Scalar;
  if (side) {
    if ('pixels' in b) side.predicted = tf.keep(tf.argMax(logits, -1));
    else side.hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(b.y, 1)), 'float32')));
    side.ce = tf.keep(tf.clone(ce));
  }
  return archLoss ? archLoss(ce, mix) : ce;
}

/** Gradients of fn with respect to vars, in the order of vars (zeros where fn does not reach). */
function gradsOf(fn: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(fn, vars);
  return { value, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
}

function readMetrics(value: tf.Scalar, side: Side, b: DartsBatch): StepMetrics {
  const m: StepMetrics = { loss: value.dataSync()[0], ce: side.ce!.dataSync()[0], hits: 0 };
  if ('pixels' in b) {
    const predicted = Int32Array.from(side.predicted!.dataSync());
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === b.pixels[i]) m.hits++;
    m.predicted = predicted;
  } else {
    m.hits = side.hits!.dataSync()[0];
  }
  tf.dispose([value, side.ce!, side.hits, side.predicted].filter((t): t is tf.Tensor => t !== undefined));
  return m;
}

/** The weight step's gradients (cross-entropy on the weight half, alpha fixed), in the order of `weights`; the caller disposes them. */
export function weightGradients(net: Network, weights: NamedVariable[], b: DartsBatch, mixer: Mixer): { grads: tf.Tensor[]; metrics: StepMetrics } {
  const side: Side = {};
  const { value, grads } = gradsOf(() => crossEntropy(net, mixer, b, null, side), weights.map((w) => w.variable));
  return { grads, metrics: readMetrics(value, side, b) };
}

/** Applies weight gradients (in the order of `weights`) with the stepper; returns their global norm before clipping. */
export function applyWeightGradients(weights: NamedVariable[], grads: tf.Tensor[], stepper: Stepper, lr: number): number {
  return stepper.step(Object.fromEntries(weights.map((w, i) => [w.variable.name, grads[i]])), lr);
}

/** Weight step: cross-entropy on the weight half, alpha fixed; `mixer` makes the forward context (default: softmax weights). */
export function weightStep(
  net: Network, weights: NamedVariable[], arch: ArchParams, b: DartsBatch, stepper: Stepper, lr: number, mixer: Mixer = createMixer(arch),
): StepMetrics & { gradNorm: number } {
  const { grads, metrics } = weightGradients(net, weights, b, mixer);
  try {
    return { ...metrics, gradNorm: applyWeightGradients(weights, grads, stepper, lr) };
  } finally {
    tf.dispose(grads);
  }
}

/** The first-order architecture gradients (of the architecture loss at the current weights), in the order of `arch.named`; the caller disposes them. */
export function archGradientsFirstOrder(net: Network, arch: ArchParams, val: DartsBatch, archLoss: ArchLoss, mixer: Mixer): { grads: tf.Tensor[]; metrics: StepMetrics } {
  const side: Side = {};
  const { value, grads } = gradsOf(() => crossEntropy(net, mixer, val, archLoss, side), arch.named.map((a) => a.variable));
  return { grads, metrics: readMetrics(value, side, val) };
}

/** First-order architecture step: the gradient of the architecture loss at the current weights. */
export function archStepFirstOrder(net: Network, arch: ArchParams, val: DartsBatch, archLoss: ArchLoss, opt: ArchOptimizer, mixer: Mixer = createMixer(arch)): StepMetrics {
  const { grads, metrics } = archGradientsFirstOrder(net, arch, val, archLoss, mixer);
  opt.step(grads);
  tf.dispose(grads);
  return metrics;
}

/**
 * Second-order architecture step (DARTS eq. 7-8). With w' = w - xi * (grad_w L_train(w, a) + wd * w),
 * the gradient is grad_a L_val(w', a) - xi * (grad_a L_train(w+, a) - grad_a L_train(w-, a)) / (2 eps),
 * w± = w ± eps * grad_w' L_val(w', a), eps = 0.01 / |grad_w' L_val|. The virtual step leaves out the
 * momentum term of the DARTS code (tf keeps momentum slots private); the weights are restored after.
 */
export function archStepSecondOrder(
  net: Network, weights: NamedVariable[], arch: ArchParams, train: DartsBatch, val: DartsBatch, archLoss: ArchLoss, opt: ArchOptimizer,
  o: { xi: number; weightDecay: number; mixer?: Mixer },
): StepMetrics {
  const mixer = o.mixer ?? createMixer(arch);
  const wVars = weights.map((w) => w.variable);
  const aVars = arch.named.map((a) => a.variable);
  const saved = wVars.map((v) => tf.clone(v));
  const assignAll = (values: tf.Tensor[]): void => { tf.tidy(() => wVars.forEach((v, i) => v.assign(values[i]))); };
  try {
    const trainGrad = gradsOf(() => crossEntropy(net, mixer, train, null), wVars);
    tf.tidy(() => assignAll(saved.map((w, i) => tf.sub(w, tf.mul(tf.add(trainGrad.grads[i], tf.mul(w, o.weightDecay)), o.xi)))));
    tf.dispose([trainGrad.value, ...trainGrad.grads]);

    const side: Side = {};
    const unrolled = gradsOf(() => crossEntropy(net, mixer, val, archLoss, side), [...aVars, ...wVars]);
    const dAlpha = unrolled.grads.slice(0, aVars.length);
    const dW = unrolled.grads.slice(aVars.length);
    const norm = tf.tidy(() => tf.sqrt(tf.addN(dW.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
    const eps = 0.01 / Math.max(norm, 1e-12);

    const alphaGradAt = (sign: 1 | -1): tf.Tensor[] => {
      tf.tidy(() => assignAll(saved.map((w, i) => tf.add(w, tf.mul(dW[i], sign * eps)))));
      const g = gradsOf(() => crossEntropy(net, mixer, train, null), aVars);
      g.value.dispose();
      return g.grads;
    };
    const plus = alphaGradAt(1);
    const minus = alphaGradAt(-1);
    const final = tf.tidy(() => dAlpha.map((g, i) => tf.sub(g, tf.mul(tf.sub(plus[i], minus[i]), o.xi / (2 * eps)))));
    tf.dispose([...dW, ...dAlpha, ...plus, ...minus]);
    assignAll(saved);
    opt.step(final);
    tf.dispose(final);
    return readMetrics(unrolled.value, side, val);
  } catch (err) {
    assignAll(saved);
    throw err;
  } finally {
    tf.dispose(saved);
  }
}
