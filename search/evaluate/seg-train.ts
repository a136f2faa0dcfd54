/**
 * Training and evaluation of segmentation networks: the optimiser, schedule and clipping of
 * ../train/ (createStepper, cosineLr) around the per-pixel loss of seg-loss.ts; accuracy is mean
 * IoU over classes, with pixel accuracy beside it. Kept apart from ../train/loop.ts, which trains
 * classifiers.
 */
import * as tf from '@tensorflow/tfjs';
import { createConfusion, meanIoU, pixelAccuracy } from '../data/metrics.ts';
import { segBatches, type SegBatch } from '../data/segmentation/batches.ts';
import type { SegDataset, SegSplit } from '../data/segmentation/types.ts';
import type { NamedVariable } from '../nn/module.ts';
import type { Network } from '../nn/network.ts';
import { createStepper, type OptimizerKind } from '../train/optimizer.ts';
import { cosineLr } from '../train/schedule.ts';
import { addLogitsToConfusion, segmentationLoss } from './seg-loss.ts';

/** What training needs of a network: a few-shot run trains one under a cosine classifier. */
export type SegTrainable = Pick<Network, 'config' | 'forward' | 'variables'>;

export type SegTrainData = Pick<SegDataset, 'shape' | 'numClasses' | 'ignoreLabel' | 'mean' | 'std'> & { train: SegSplit; val?: SegSplit };

export interface SegMetrics { loss: number; miou: number; pixelAccuracy: number; count: number }

export interface SegEpochRecord {
  epoch: number;
  /** Mean per-pixel loss of the epoch's batches (an objective's auxiliary loss left out). */
  trainLoss: number;
  valLoss: number; valMiou: number; valPixelAccuracy: number; seconds: number;
  /** With an objective: the mean of its auxiliary loss over the epoch's batches. */
  auxLoss?: number;
}

/** Where a training step is: its epoch, its batch within the epoch, and its place among all steps. */
export interface StepPlace { epoch: number; batch: number; step: number; total: number }

/**
 * A training objective beyond the per-pixel loss of the network's own forward pass: domain-
 * adversarial training runs target images beside the batch and adds a discriminator's loss.
 * `loss` runs inside the gradient tape and returns the step's total and the auxiliary part of
 * it, which is reported apart (`auxLoss`) and left out of `trainLoss`.
 */
export interface SegObjective {
  /** Variables trained beside the network's (after them, in the optimiser's order). */
  variables: NamedVariable[];
  loss(x: tf.Tensor4D, b: SegBatch, at: StepPlace): { total: tf.Scalar; aux: tf.Scalar };
}

export interface SegTrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer?: OptimizerKind;
  momentum?: number;
  weightDecay?: number;
  clipNorm?: number;
  flip?: boolean;
  seed: number;
  evalBatchSize?: number;
  onStep?: (info: { epoch: number; step: number; loss: number }) => void;
  signal?: AbortSignal;
  /** Default: the per-pixel loss of `net.forward` on the batch. */
  objective?: SegObjective;
}

export async function evaluateSegmentation(net: Pick<Network, 'forward'>, split: SegSplit, data: SegTrainData, o: { batchSize?: number } = {}): Promise<SegMetrics> {
  if (split.count === 0) return { loss: NaN, miou: NaN, pixelAccuracy: NaN, count: 0 };
  const conf = createConfusion(data.numClasses);
  let lossSum = 0, counted = 0;
  for (const b of segBatches(split, data.shape, 0, { batchSize: o.batchSize ?? 32, seed: 0, mean: data.mean, std: data.std, shuffle: false })) {
    const x = tf.tensor4d(b.x, [b.size, ...data.shape]);
    const logits = net.forward(x, false);
    const loss = segmentationLoss(logits, b.y, data.ignoreLabel, 'sum');
    lossSum += (await loss.data())[0];
    await addLogitsToConfusion(conf, logits, b.y, data.ignoreLabel);
    tf.dispose([x, logits, loss]);
    for (const t of b.y) if (t !== data.ignoreLabel) counted++;
  }
  return { loss: lossSum / Math.max(1, counted), miou: meanIoU(conf), pixelAccuracy: pixelAccuracy(conf), count: split.count };
}

export async function trainSegmentation(net: SegTrainable, data: SegTrainData, o: SegTrainOptions): Promise<{ epochs: SegEpochRecord[]; steps: number; seconds: number }> {
  if (net.config.task !== 'segmentation') throw new Error(`trainSegmentation needs a segmentation network; this one's task is ${net.config.task}`);
  const vars = [...net.variables(), ...(o.objective?.variables ?? [])];
  const stepper = createStepper(vars, {
    kind: o.optimizer ?? 'adam', learningRate: o.learningRate, momentum: o.momentum,
    weightDecay: o.weightDecay ?? 1e-4, clipNorm: o.clipNorm ?? 5,
  });
  const perEpoch = Math.floor(data.train.count / o.batchSize) || 1;
  const total = perEpoch * o.epochs;
  const began = performance.now();
  const epochs: SegEpochRecord[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0, auxSum = 0, seen = 0, batch = 0;
      // A last batch of one image would break BatchNorm's batch statistics.
      for (const b of segBatches(data.train, data.shape, epoch, { batchSize: o.batchSize, seed: o.seed, mean: data.mean, std: data.std, flip: o.flip, dropLast: data.train.count > o.batchSize })) {
        o.signal?.throwIfAborted();
        const x = tf.tensor4d(b.x, [b.size, ...data.shape]);
        try {
          let aux: tf.Scalar | null = null;
          const { value, grads } = tf.variableGrads(() => {
            if (!o.objective) return segmentationLoss(net.forward(x, true), b.y, data.ignoreLabel);
            const parts = o.objective.loss(x, b, { epoch, batch, step, total });
            aux = tf.keep(parts.aux);
            return parts.total;
          }, vars.map((v) => v.variable));
          stepper.step(grads, cosineLr(step, total, o.learningRate));
          const loss = (await value.data())[0];
          const auxValue = aux ? (await (aux as tf.Scalar).data())[0] : 0;
          tf.dispose([value, ...(aux ? [aux] : []), ...Object.values(grads)]);
          lossSum += (loss - auxValue) * b.size;
          auxSum += auxValue;
          seen += b.size;
          batch++;
          step++;
          o.onStep?.({ epoch, step, loss });
        } finally {
          x.dispose();
        }
      }
      const val = data.val ? await evaluateSegmentation(net, data.val, data, { batchSize: o.evalBatchSize }) : null;
      epochs.push({
        epoch, trainLoss: lossSum / seen, valLoss: val?.loss ?? NaN, valMiou: val?.miou ?? NaN, valPixelAccuracy: val?.pixelAccuracy ?? NaN,
        seconds: (performance.now() - t0) / 1000, ...(o.objective ? { auxLoss: auxSum / batch } : {}),
      });
    }
  } finally {
    stepper.dispose();
  }
  return { epochs, steps: step, seconds: (performance.now() - began) / 1000 };
}
