/**
 * Proxy evaluation of a segmentation genotype: train from scratch on the built-in scenes for the
 * job's budget, accuracy = validation mIoU (pixel accuracy beside it), FLOPs and latency at the
 * space's input resolution. The proxy evaluator calls this for jobs whose task is 'segmentation'.
 */
import * as tf from '@tensorflow/tfjs';
import { loadSceneDataset } from '../data/segmentation/builtin.ts';
import type { SceneVariant } from '../data/segmentation/scenes.ts';
import type { SegDataset } from '../data/segmentation/types.ts';
import type { EvalJob, EvalResult } from '../executor/job.ts';
import type { LatencyLock } from '../latency/lock.ts';
import { jobLatency } from './job-latency.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { UsageError } from '../util/errors.ts';
import { createRng } from '../util/rng.ts';
import { trainSegmentation } from './seg-train.ts';

export const SEG_DATASETS = ['scenes-objects', 'scenes-context'] as const;

/** A built-in segmentation data set with `train`/`val` scenes (no test scenes: a proxy never reads them). */
export function segmentationDataset(name: string, counts: { train: number; val: number }, seed = 0): SegDataset {
  if (!(SEG_DATASETS as readonly string[]).includes(name)) throw new UsageError(`unknown segmentation data set '${name}': choose one of ${SEG_DATASETS.join(', ')}`);
  return loadSceneDataset({ variant: name.slice('scenes-'.length) as SceneVariant, counts: { ...counts, test: 0 }, seed });
}

export async function evaluateSegmentationJob(job: EvalJob, o: { worker?: string; data?: SegDataset; lock?: LatencyLock } = {}): Promise<EvalResult & { pixelAccuracy: number }> {
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} space`));
  const data = o.data ?? segmentationDataset(job.dataset, { train: job.budget.trainImages, val: job.budget.valImages });
  const net = buildNetwork(space, job.genotype, { task: 'segmentation', classes: data.numClasses, inShape: [...data.shape], rng: createRng(job.seed) });
  try {
    const trained = await trainSegmentation(net, data, { epochs: job.budget.epochs, batchSize: job.budget.batchSize, learningRate: job.budget.learningRate, seed: job.seed });
    const last = trained.epochs[trained.epochs.length - 1];
    const latency = await jobLatency(job, net, o.lock);
    return {
      accuracy: last.valMiou,
      pixelAccuracy: last.valPixelAccuracy,
      ...latency,
      params: net.paramCount(),
      flops: net.flops(),
      trainSeconds: trained.seconds,
      // valAccuracy is the epoch's mIoU; per-pixel training accuracy is not tracked.
      epochs: trained.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: NaN, valLoss: e.valLoss, valAccuracy: e.valMiou, seconds: e.seconds })),
      backend: tf.getBackend(),
      worker: o.worker ?? 'in-process',
    };
  } finally {
    net.dispose();
  }
}
