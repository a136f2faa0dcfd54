/**
 * Proxy evaluation of a segmentation genotype: train from scratch on the built-in scenes for the
 * job's budget, accuracy = validation mIoU (pixel accuracy beside it), FLOPs and latency at the
 * space's input resolution. Registered as 'seg-proxy'; the 'proxy' evaluator hands it its segmentation jobs.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { SegDataset, SegSplit } from '../data/segmentation/types.ts';
import { segBatches } from '../data/segmentation/batches.ts';
import type { Network } from '../nn/network.ts';
import { encodeSegSample, PREVIEW_SAMPLES, type SegPreview, type SegPreviewSample } from '../contracts/seg-preview.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import { jobLatency } from './job-latency.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { createRng } from '../util/rng.ts';
import { trainSegmentation, type SegTrainData } from './seg-train.ts';
import type { EvalContext, Evaluator } from './evaluator.ts';
import { segmentationDataset } from './seg-dataset.ts';
import { untrainedScores } from './zero-cost/job-scores.ts';

export { SEG_DATASETS, segmentationDataset } from './seg-dataset.ts';

/** The first `count` validation images with their masks and the network's argmax prediction. */
export async function predictPreview(net: Pick<Network, 'forward'>, data: SegTrainData & Pick<SegDataset, 'classNames'>, split: SegSplit, count = PREVIEW_SAMPLES): Promise<SegPreview> {
  const [height, width, channels] = data.shape;
  const n = Math.min(count, split.count);
  const px = height * width;
  const samples: SegPreviewSample[] = [];
  if (n > 0) {
    const first: SegSplit = { images: split.images.subarray(0, n * px * channels), masks: split.masks.subarray(0, n * px), count: n };
    const [b] = segBatches(first, data.shape, 0, { batchSize: n, seed: 0, mean: data.mean, std: data.std, shuffle: false });
    const pred = tf.tidy(() => tf.argMax(net.forward(tf.tensor4d(b.x, [n, height, width, channels]), false), -1));
    const classes = Uint8Array.from(await pred.data());
    pred.dispose();
    for (let i = 0; i < n; i++) {
      samples.push(encodeSegSample(first.images.subarray(i * px * channels, (i + 1) * px * channels), channels,
        first.masks.subarray(i * px, (i + 1) * px), classes.subarray(i * px, (i + 1) * px), height, width));
    }
  }
  return { height, width, classNames: data.classNames, ignoreLabel: data.ignoreLabel, samples };
}

/**
 * `beat` is called on every training step: the pool's sign of life and its tensor-memory check
 * (a step blocks the worker's timers); `signal` stops training at the next step.
 */
export async function evaluateSegmentationJob(job: EvalJob, o: Pick<EvalContext, 'worker' | 'lock' | 'beat' | 'signal'> & { data?: SegDataset; zeroCost?: readonly string[] } = {}): Promise<EvalResult> {
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} space`));
  const data = o.data ?? segmentationDataset(job.dataset, { train: job.budget.trainImages, val: job.budget.valImages });
  const net = buildNetwork(space, job.genotype, { task: 'segmentation', classes: data.numClasses, inShape: [...data.shape], rng: createRng(job.seed) });
  try {
    const scored = untrainedScores(job, net, o.zeroCost ?? []);
    const trained = await trainSegmentation(net, data, {
      epochs: job.budget.epochs, batchSize: job.budget.batchSize, learningRate: job.budget.learningRate, seed: job.seed,
      onStep: o.beat ? () => o.beat!() : undefined, signal: o.signal,
    });
    const last = trained.epochs[trained.epochs.length - 1];
    const preview = await predictPreview(net, data, data.val);
    const latency = await jobLatency(job, net, o.lock);
    return {
      metrics: {
        miou: last.valMiou, pixel_accuracy: last.valPixelAccuracy, ...latency,
        params: net.paramCount(), flops: net.flops(), train_seconds: trained.seconds, ...scored.metrics,
      },
      // Kept with the candidate for the explorer: a few validation masks.
      extra: { segmentation: preview, ...scored.extra },
      // valAccuracy is the epoch's mIoU; per-pixel training accuracy is not tracked.
      epochs: trained.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: NaN, valLoss: e.valLoss, valAccuracy: e.valMiou, seconds: e.seconds })),
      backend: tf.getBackend(),
      worker: o.worker ?? 'in-process',
    };
  } finally {
    net.dispose();
  }
}

const spec = z.strictObject({ kind: z.literal('seg-proxy') });

export const segProxyEvaluator: Evaluator<typeof spec> = { spec, usesTf: true, evaluate: (job, _spec, ctx) => evaluateSegmentationJob(job, ctx) };
