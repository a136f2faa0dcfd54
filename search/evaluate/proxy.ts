/**
 * The proxy evaluator: a job's genotype is built into its network, trained from scratch on the
 * proxy budget (seeded, stratified subsets of the train and validation splits, the same subsets
 * for every candidate of a data set), and scored by accuracy on the validation split (or the test
 * split, for reference tables), parameters, FLOPs
 * (multiply-accumulates, as search/nn counts them) and latency as the job asks.
 */
import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { initBackend } from '../backend/index.ts';
import { loadDataset, type DatasetName } from '../data/registry.ts';
import type { Dataset } from '../data/types.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import type { ProxyRecipe } from '../contracts/budget.ts';
import { NO_AUGMENT } from '../data/augment.ts';
import { jobLatency } from './job-latency.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { resolutionOf } from '../space/resolution.ts';
import { resizeDataset } from '../data/resize.ts';
import { trainNetwork } from '../train/loop.ts';
import { createRng } from '../util/rng.ts';
import { buildNetwork } from '../space/build.ts';
import { evaluateSegmentationJob } from './seg-proxy.ts';
import { DOMAIN_DATASET } from './seg-dataset.ts';
import { adaptSchema, evaluateDomainShiftJob, type Adapt } from './domain-shift.ts';
import type { EvalContext, Evaluator } from './evaluator.ts';
import { proxyListSchema } from './zero-cost/index.ts';
import { untrainedScores } from './zero-cost/job-scores.ts';

// One data set per worker, kept between jobs: loading and subsetting Fashion-MNIST costs more than a short proxy run.
const datasets = new Map<string, Dataset>();
/** The data set with `val` being the split the job is scored on (its validation or its test split). */
function proxyData(job: EvalJob): Dataset {
  const split = job.budget.split ?? 'val';
  const key = `${job.dataset}:${job.budget.trainImages}:${job.budget.valImages}:${split}`;
  let d = datasets.get(key);
  if (!d) {
    const scored = job.budget.valImages;
    d = loadDataset(job.dataset as DatasetName, { subset: { train: job.budget.trainImages, val: split === 'val' ? scored : 0, test: split === 'test' ? scored : 0 } });
    if (split === 'test') d = { ...d, val: d.test };
    datasets.clear();
    datasets.set(key, d);
  }
  return d;
}

const resized = new Map<string, Dataset>();
/** The job's data at the genotype's resolution (resized once per worker and resolution), or as it is. */
function dataAt(job: EvalJob, side: number | undefined): Dataset {
  const base = proxyData(job);
  if (side === undefined) return base;
  const key = `${job.dataset}:${job.budget.trainImages}:${job.budget.valImages}:${job.budget.split ?? 'val'}:${side}`;
  let d = resized.get(key);
  if (!d) {
    d = resizeDataset(base, side);
    resized.clear();
    resized.set(key, d);
  }
  return d;
}

/** Runs stored before recipes trained this way. */
const LEGACY_RECIPE: ProxyRecipe = { optimizer: 'momentum', warmupFraction: 0, labelSmoothing: 0, augment: true };

/** `zeroCost`: proxies that score the network before it trains, stored beside what training measures. */
export async function evaluateJob(job: EvalJob, ctx: EvalContext = {}, zeroCost: readonly string[] = [], adapt?: Adapt): Promise<EvalResult> {
  const backend = await initBackend({ backend: job.backend });
  // Segmentation runs name this evaluator too: 'proxy' means training from scratch, for the job's task.
  if (job.task === 'segmentation') {
    return job.dataset === DOMAIN_DATASET ? evaluateDomainShiftJob(job, adapt ?? { method: 'source' }, { ...ctx, zeroCost }) : evaluateSegmentationJob(job, { ...ctx, zeroCost });
  }
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} spaceDef`));
  const genotype = space.validate(job.genotype, `job ${job.candidateId} genotype`);
  const data = dataAt(job, resolutionOf(genotype));
  const tensorsBefore = tf.memory().numTensors;
  const net = buildNetwork(space, genotype, { inShape: [...data.shape], classes: data.numClasses, rng: createRng(job.seed) });
  try {
    const scored = untrainedScores(job, net, zeroCost);
    const lock = ctx.lock;
    const recipe = job.budget.recipe ?? LEGACY_RECIPE;
    const trained = await trainNetwork(net, data, {
      epochs: job.budget.epochs, batchSize: job.budget.batchSize, learningRate: job.budget.learningRate, seed: job.seed,
      optimizer: recipe.optimizer, warmupFraction: recipe.warmupFraction, labelSmoothing: recipe.labelSmoothing,
      augment: recipe.augment ? undefined : NO_AUGMENT,
      beforeStep: lock ? () => lock.shared() : undefined,
      onStep: ctx.onStep, onEpoch: ctx.onEpoch ? (r) => ctx.onEpoch!(r) : undefined, signal: ctx.signal,
    });
    const last = trained.epochs[trained.epochs.length - 1];
    const latency = await jobLatency(job, net, ctx.lock);
    return {
      metrics: { accuracy: last?.valAccuracy ?? NaN, ...latency, params: net.paramCount(), flops: net.flops(), train_seconds: trained.seconds, ...scored.metrics },
      epochs: trained.epochs,
      ...(scored.extra ? { extra: scored.extra } : {}),
      backend: backend.name,
      worker: ctx.worker ?? `pid ${process.pid} thread ${threadId}`,
    };
  } finally {
    net.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) console.warn(`evaluateJob ${job.candidateId}: ${leaked} tensors not freed`);
  }
}

/** `zeroCost` absent (runs made before it) or empty: no proxy scores. `adapt`: how a domain-shift job adapts (default source only). */
const spec = z.strictObject({ kind: z.literal('proxy'), zeroCost: proxyListSchema.optional(), adapt: adaptSchema.optional() });

export const proxyEvaluator: Evaluator<typeof spec> = { spec, usesTf: true, evaluate: (job, s, ctx) => evaluateJob(job, ctx, s.zeroCost, s.adapt) };
