/**
 * The few-shot segmentation evaluator (`--task fewshot-seg`): a job's genotype is built as a
 * segmentation network whose output is a `dim`-channel embedding at the input resolution instead
 * of class logits (every part of the genotype, head included, makes the embedding). It trains as
 * plain segmentation of the base classes of scenes-objects (episodes.ts: novel classes ignored)
 * through a cosine classifier on that embedding, then answers a fixed, seeded set of 1-way
 * episodes on the validation scenes' novel classes with the prototype or the cross-attention head:
 * fewshot_miou_1shot and fewshot_miou_5shot, on the same queries. Latency, parameters and MACs are
 * the embedding network's (the cosine classifier only serves training). The run's first episode,
 * with the head's answers, is kept with the candidate for the explorer (fewshot-preview.ts).
 *
 * Why not episodic training: with the proxy's few hundred steps, every step of plain training
 * gives a gradient for all 15 base classes where an episode gives one for a single class, and
 * a cosine classifier trains the embedding for the cosine matching episodes use ("A Closer Look
 * at Few-shot Classification", Chen et al. 2019, found such a baseline a match for episodic
 * meta-training); it also reuses the segmentation training loop unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import { baseLabels, classSplit, relabelSplit, sampleEpisodes, type ClassSplit, type Episode } from '../data/segmentation/episodes.ts';
import type { SegDataset, SegSplit } from '../data/segmentation/types.ts';
import type { Shape } from '../data/types.ts';
import { CosineClassifier } from '../nn/cosine-classifier.ts';
import type { Network } from '../nn/network.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { createRng, type Rng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import type { EvalContext, Evaluator } from './evaluator.ts';
import { episodePreview } from './fewshot-preview.ts';
import { FEWSHOT_HEADS, scoreEpisodes } from './fewshot-score.ts';
import { jobLatency } from './job-latency.ts';
import { segmentationDataset } from './seg-dataset.ts';
import { trainSegmentation, type SegTrainOptions } from './seg-train.ts';

/** The one data set whose classes split into base and novel. */
export const FEWSHOT_DATASET = 'scenes-objects';
/** The shot counts scored, each a metric of the registry. */
export const FEWSHOT_SHOTS = [1, 5] as const;

const int = (min: number) => z.int().min(min);
export const fewShotSpec = z.strictObject({
  kind: z.literal('fewshot'),
  head: z.enum(FEWSHOT_HEADS).default('prototype'),
  /** Which novel classes (episodes.ts's folds). */
  fold: int(0).max(3).default(0),
  /** Channels of the embedding the network ends in. */
  dim: int(2).default(32),
  /** Cosine similarities' multiplier, in training and in episodes (10, as cosine classifiers commonly use). */
  scale: z.number().positive().default(10),
  /** Episodes scored per shot count; their draw is fixed by `episodeSeed`, not by the run's seed, so every candidate sees the same. */
  episodes: int(1).default(40),
  ways: int(1).default(1),
  episodeSeed: int(0).default(0),
  /** The cross-attention head's pooling before it attends (1/4 resolution: 16x16 of a 64x64 scene). */
  pool: int(1).default(4),
});
export type FewShotSpec = z.output<typeof fewShotSpec>;

/** A scene holds a class (for episodes) when this many pixels carry it: about a quarter of the smallest object. */
const MIN_PIXELS = 64;

interface FewShotData { data: SegDataset; split: ClassSplit; base: SegDataset['train']; episodes: Episode[] }
// One data set and episode list per worker, kept between jobs: every job of a run asks for the same.
let cached: { key: string; value: FewShotData } | undefined;

/**
 * The seeded 1- to 5-shot episodes of `s` over the novel classes of `scenes` (validation scenes in
 * a search, test scenes in an export); too few scenes is a usage error naming `flag`, which sets their number.
 */
export function fewShotEpisodes(scenes: SegSplit, shape: Shape, split: ClassSplit, s: FewShotSpec, flag: string): Episode[] {
  try {
    return sampleEpisodes(scenes.masks, shape[0] * shape[1], {
      classes: split.novel, ways: s.ways, shots: Math.max(...FEWSHOT_SHOTS), queries: 1, episodes: s.episodes, seed: s.episodeSeed, minPixels: MIN_PIXELS,
    });
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(`${flag} ${scenes.count}: ${err.message}`) : err;
  }
}

function fewShotData(job: EvalJob, s: FewShotSpec): FewShotData {
  if (job.dataset !== FEWSHOT_DATASET) throw new UsageError(`few-shot segmentation splits the classes of ${FEWSHOT_DATASET}, not '${job.dataset}'`);
  const key = JSON.stringify([job.budget.trainImages, job.budget.valImages, s.fold, s.episodes, s.ways, s.episodeSeed]);
  if (cached?.key === key) return cached.value;
  const data = segmentationDataset(job.dataset, { train: job.budget.trainImages, val: job.budget.valImages });
  const split = classSplit(s.fold);
  const value = { data, split, base: relabelSplit(data.train, baseLabels(split, data.ignoreLabel)), episodes: fewShotEpisodes(data.val, data.shape, split, s, '--val-images') };
  cached = { key, value };
  return value;
}

/**
 * Trains the embedding network `net` on the base classes (`base`: masks relabelled by
 * baseLabels) through a cosine classifier drawn from `rng`, which is dropped afterwards: what an
 * episode or an export uses is the embedding alone.
 */
export async function trainEmbedding(net: Network, data: Pick<SegDataset, 'shape' | 'ignoreLabel' | 'mean' | 'std'>, base: SegSplit, split: ClassSplit, s: FewShotSpec, rng: Rng, o: SegTrainOptions) {
  const classifier = new CosineClassifier(s.dim, split.base.length + 1, rng, { scale: s.scale });
  try {
    const trainable = {
      config: net.config,
      forward: (x: tf.Tensor, training: boolean) => tf.tidy(() => classifier.forward(net.forward(x, training))),
      variables: () => [...net.variables(), ...classifier.variables('cosine.')],
    };
    return await trainSegmentation(trainable, { ...data, numClasses: split.base.length + 1, train: base, val: undefined }, o);
  } finally {
    classifier.dispose();
  }
}

export async function evaluateFewShotJob(job: EvalJob, s: FewShotSpec, ctx: EvalContext = {}): Promise<EvalResult> {
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} space`));
  const { data, split, base, episodes } = fewShotData(job, s);
  const rng = createRng(job.seed);
  const net: Network = buildNetwork(space, job.genotype, { task: 'segmentation', classes: s.dim, inShape: [...data.shape], rng });
  try {
    const trained = await trainEmbedding(net, data, base, split, s, rng, {
      epochs: job.budget.epochs, batchSize: job.budget.batchSize, learningRate: job.budget.learningRate, seed: job.seed, signal: ctx.signal,
      // The pool's sign of life: a step blocks the worker's timers, and a loaded machine can make a job outlast the heartbeat.
      onStep: ctx.beat ? () => ctx.beat!() : undefined,
    });
    const embed = (x: tf.Tensor4D) => net.forward(x, false);
    const scoring = { head: s.head, scale: s.scale, shots: FEWSHOT_SHOTS, pool: s.pool, onEpisode: ctx.beat };
    const scores = await scoreEpisodes(embed, data, data.val, episodes, split.novel, scoring);
    const latency = await jobLatency(job, net, ctx.lock);
    return {
      metrics: {
        fewshot_miou_1shot: scores.get(1)!, fewshot_miou_5shot: scores.get(5)!, ...latency,
        params: net.paramCount(), flops: net.flops(), train_seconds: trained.seconds,
      },
      // Kept with the candidate for the explorer: the run's first episode, answered at each shot count.
      extra: { fewshot: await episodePreview(embed, data, data.val, episodes[0], scoring) },
      // Training is scored on episodes once, at the end: an epoch has its loss only.
      epochs: trained.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: NaN, valLoss: NaN, valAccuracy: NaN, seconds: e.seconds })),
      backend: tf.getBackend(),
      worker: ctx.worker ?? 'in-process',
    };
  } finally {
    net.dispose();
  }
}

export const fewShotEvaluator: Evaluator<typeof fewShotSpec> = { spec: fewShotSpec, usesTf: true, evaluate: (job, s, ctx) => evaluateFewShotJob(job, s, ctx) };
