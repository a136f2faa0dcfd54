/**
 * The training loop shared by proxy evaluation and final training: momentum SGD or Adam, a
 * per-step cosine schedule, weight decay on kernels, global-norm clipping, seeded data order
 * and augmentation (resumable at any epoch), per-epoch metrics and checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig } from '../data/augment.ts';
import { createBatcher, type Batch } from '../data/batches.ts';
import { classificationTensors } from './labels.ts';
import type { TrainData } from './train-data.ts';
import type { Network } from '../nn/network.ts';
import type { EpochRecord } from '../contracts/epoch.ts';
import { createRng } from '../util/rng.ts';
import { evaluateNetwork } from './evaluate.ts';
import { createStepper, type OptimizerKind, type OptimizerOptions, type WeightDecayMode } from './optimizer.ts';
import { cosineLr } from './schedule.ts';
import { loadOptimizer, loadWeights, saveOptimizer, saveWeights, type NetworkState, type TrainCheckpoint } from './checkpoint.ts';

export interface StepInfo { epoch: number; step: number; stepInEpoch: number; stepsPerEpoch: number; totalSteps: number; loss: number; lr: number; gradNorm: number }

/**
 * Steps taken elsewhere than on the loop's network: on data-parallel workers
 * (train/data-parallel/network-steps.ts), each holding a replica with the stepper these options
 * make (stepperOptions). The loop hands them its state before its first step (fresh or resumed),
 * then each batch with the step's number and learning rate, and takes the trained state back at
 * every epoch's end, so that evaluation, onEpoch and the checkpoint read it as if trained here.
 */
export interface RemoteSteps {
  start(state: NetworkState): Promise<void>;
  step(batch: Batch, lr: number, step: number): Promise<{ loss: number; hits: number; gradNorm: number }>;
  state(): Promise<NetworkState>;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Floor of the cosine schedule (default 0; DARTS final training: 0). */
  minLearningRate?: number;
  /** Share of all steps spent warming the learning rate up linearly before the cosine (default 0). */
  warmupFraction?: number;
  /** Label smoothing of the cross-entropy (default 0). */
  labelSmoothing?: number;
  optimizer?: OptimizerKind;
  momentum?: number;
  /** Default 3e-4 (DARTS). */
  weightDecay?: number;
  weightDecayMode?: WeightDecayMode;
  /** Default 5 (DARTS); 0 disables. */
  clipNorm?: number;
  /** Variables the loss does not reach stay as they are (optimizer.ts; single-path supernets). */
  freezeUnreached?: boolean;
  /** Default: the data set's own augmentation; null for none. */
  augment?: AugmentConfig | null;
  /** Seeds data order, augmentation and drop-path masks. */
  seed: number;
  /** Weight of the auxiliary head's loss when the network has one (DARTS: 0.4). */
  auxWeight?: number;
  /** DARTS drop path probability, raised linearly from 0 to this over the epochs. */
  dropPathProb?: number;
  evalBatchSize?: number;
  /** Resume from a checkpoint of the same network and options. */
  resume?: TrainCheckpoint;
  /**
   * Called before every step; the step runs once it returns (or its promise resolves), and the
   * function it returns is called after the step. The latency lock's shared side goes here.
   */
  beforeStep?: () => (() => void) | void | Promise<(() => void) | void>;
  onStep?: (info: StepInfo) => void;
  /** After each epoch's evaluation; `checkpoint()` captures the state at this point. */
  onEpoch?: (record: EpochRecord, checkpoint: () => Promise<TrainCheckpoint>) => void | Promise<void>;
  signal?: AbortSignal;
  /** Where the steps run when not here (no auxiliary head, label smoothing or drop path there). */
  remote?: RemoteSteps;
}

/** The optimizer a loop with these options steps with (a remote replica builds the same). */
export function stepperOptions(opts: Pick<TrainOptions, 'optimizer' | 'learningRate' | 'momentum' | 'weightDecay' | 'weightDecayMode' | 'clipNorm' | 'freezeUnreached'>): OptimizerOptions {
  return {
    kind: opts.optimizer ?? 'momentum', learningRate: opts.learningRate, momentum: opts.momentum,
    weightDecay: opts.weightDecay ?? 3e-4, weightDecayMode: opts.weightDecayMode, clipNorm: opts.clipNorm ?? 5, freezeUnreached: opts.freezeUnreached,
  };
}

export interface TrainResult { epochs: EpochRecord[]; seconds: number; steps: number }

export async function trainNetwork(net: Network, data: TrainData, opts: TrainOptions): Promise<TrainResult> {
  if (net.config.task !== 'classification') throw new Error(`trainNetwork trains classifiers; this network's task is ${net.config.task}`);
  if (opts.remote && (net.auxiliary || opts.labelSmoothing || opts.dropPathProb)) throw new Error('remote steps train on the plain cross-entropy: no auxiliary head, label smoothing or drop path');
  const vars = net.variables();
  const optimizerOptions = stepperOptions(opts);
  const optimizerKind = optimizerOptions.kind;
  const stepper = createStepper(vars, optimizerOptions);
  const augment = opts.augment === undefined ? data.augment : opts.augment;
  const start = opts.resume?.epoch ?? 0;
  const batcher = createBatcher(data.train, data.shape, {
    batchSize: opts.batchSize, seed: opts.seed, mean: data.mean, std: data.std, augment,
    // A last batch of one image would break BatchNorm's batch statistics.
    dropLast: data.train.count > opts.batchSize, start: { epoch: start, batch: 0 },
  });
  const stepsPerEpoch = batcher.batchesPerEpoch;
  const totalSteps = stepsPerEpoch * opts.epochs;
  let step = opts.resume?.step ?? start * stepsPerEpoch;
  const records: EpochRecord[] = [];
  const began = performance.now();
  try {
    if (opts.resume) {
      loadWeights(net, opts.resume.weights);
      if (opts.resume.optimizer.kind !== optimizerKind) throw new Error(`checkpoint optimizer is ${opts.resume.optimizer.kind}, not ${optimizerKind}`);
      await loadOptimizer(stepper.optimizer, vars, opts.resume.optimizer.slots);
    }
    const remote = opts.remote;
    if (remote) await remote.start({ weights: saveWeights(net), optimizer: await saveOptimizer(stepper.optimizer, vars) });
    for (let epoch = start; epoch < opts.epochs; epoch++) {
      const t0 = performance.now();
      const dropPathProb = opts.dropPathProb ? (opts.dropPathProb * epoch) / opts.epochs : 0;
      const rng = dropPathProb ? createRng(opts.seed * 1000003 + epoch) : undefined;
      let lossSum = 0, correct = 0, seen = 0, stepInEpoch = 0;
      for (const batch of batcher.restOfEpoch()) {
        opts.signal?.throwIfAborted();
        const release = await opts.beforeStep?.();
        let loss: number, hits: number, gradNorm: number;
        const lr = cosineLr(step, totalSteps, opts.learningRate, opts.minLearningRate ?? 0, (opts.warmupFraction ?? 0) * totalSteps);
        try {
          ({ loss, hits, gradNorm } = remote
            ? await remote.step(batch, lr, step)
            : trainStep(net, vars, batch, data, stepper, lr, { auxWeight: opts.auxWeight ?? 0.4, labelSmoothing: opts.labelSmoothing ?? 0 }, { dropPathProb, rng }));
        } finally {
          release?.();
        }
        lossSum += loss * batch.size;
        correct += hits;
        seen += batch.size;
        step++;
        stepInEpoch++;
        opts.onStep?.({ epoch, step, stepInEpoch, stepsPerEpoch, totalSteps, loss, lr, gradNorm });
      }
      if (remote) {
        const trained = await remote.state();
        loadWeights(net, trained.weights);
        await loadOptimizer(stepper.optimizer, vars, trained.optimizer);
      }
      const val = data.val ? await evaluateNetwork(net, data.val, data, { batchSize: opts.evalBatchSize }) : { loss: NaN, accuracy: NaN };
      const record: EpochRecord = {
        epoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen,
        valLoss: val.loss, valAccuracy: val.accuracy, seconds: (performance.now() - t0) / 1000,
      };
      records.push(record);
      const at = step;
      await opts.onEpoch?.(record, async () => ({
        epoch: epoch + 1, step: at, weights: saveWeights(net),
        optimizer: { kind: optimizerKind, slots: await saveOptimizer(stepper.optimizer, vars) },
      }));
    }
  } finally {
    stepper.dispose();
  }
  return { epochs: records, seconds: (performance.now() - began) / 1000, steps: step };
}

function trainStep(
  net: Network, vars: ReturnType<Network['variables']>, batch: Batch, data: TrainData,
  stepper: ReturnType<typeof createStepper>, lr: number, { auxWeight, labelSmoothing }: { auxWeight: number; labelSmoothing: number }, ctx: { dropPathProb: number; rng?: ReturnType<typeof createRng> },
): { loss: number; hits: number; gradNorm: number } {
  const { x, y } = classificationTensors(batch, data.shape, data.numClasses);
  let hitsT: tf.Tensor | undefined;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const { logits, auxLogits } = net.forwardWithAux(x, true, ctx.dropPathProb ? ctx : undefined);
      hitsT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')));
      const loss = tf.losses.softmaxCrossEntropy(y, logits, undefined, labelSmoothing);
      return (auxLogits ? tf.add(loss, tf.mul(tf.losses.softmaxCrossEntropy(y, auxLogits, undefined, labelSmoothing), auxWeight)) : loss) as tf.Scalar;
    }, vars.map((v) => v.variable));
    const gradNorm = stepper.step(grads, lr);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, hits: hitsT!.dataSync()[0], gradNorm };
  } finally {
    tf.dispose([x, y]);
    hitsT?.dispose();
  }
}
