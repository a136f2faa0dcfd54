/**
 * Proxy evaluation of a segmentation genotype for domain shift (`--dataset scenes-domain`): train
 * from scratch on the labelled source scenes, adapting to the unlabelled target images by the
 * run's method (source only, adversarial alignment, pseudo-label self-training), then score both
 * domains' validation scenes: miou (source), target_miou and domain_gap. Target masks exist only
 * in `target.val`, which is read after training, to score.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import { loadDomainShift, type DomainShiftData } from '../data/segmentation/domain-shift.ts';
import type { Network } from '../nn/network.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { createRng } from '../util/rng.ts';
import { trainAdversarial } from './domain/adversarial.ts';
import { selfTrain } from './domain/self-training.ts';
import type { EvalContext } from './evaluator.ts';
import { jobLatency } from './job-latency.ts';
import { predictPreview } from './seg-proxy.ts';
import { evaluateSegmentation, trainSegmentation, type SegTrainOptions } from './seg-train.ts';
import { untrainedScores } from './zero-cost/job-scores.ts';

export const ADAPT_METHODS = ['source', 'adversarial', 'self-training'] as const;

/** How a candidate adapts to the target domain; a run records it in its evaluator spec. */
export const adaptSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('source') }),
  /** `weight`: the final coefficient of the gradient reversal (it ramps up from 0). */
  z.strictObject({ method: z.literal('adversarial'), weight: z.number().positive() }),
  /** `rounds` of pseudo-labelling, each followed by `roundEpochs` epochs on source and pseudo-labelled target. */
  z.strictObject({ method: z.literal('self-training'), threshold: z.number().gt(0).max(1), rounds: z.int().min(1), roundEpochs: z.int().min(1) }),
]);
export type Adapt = z.infer<typeof adaptSchema>;

export const ADAPT_DEFAULTS = { weight: 1, threshold: 0.9, rounds: 1, roundEpochs: 1 } as const;

/** Trains `net` on the source, adapting as asked; what the adaptation logged besides the epochs. */
async function train(net: Network, data: DomainShiftData, adapt: Adapt, o: SegTrainOptions) {
  const source = data.source;
  switch (adapt.method) {
    case 'source': return { ...(await trainSegmentation(net, source, o)), log: {} };
    case 'adversarial': {
      const r = await trainAdversarial(net, source, data.target.train, { ...o, weight: adapt.weight });
      return { ...r, log: { domainLoss: r.epochs.map((e) => e.domainLoss) } };
    }
    case 'self-training': {
      const r = await selfTrain(net, source, data.target.train, { ...o, ...adapt });
      return { ...r, log: { rounds: r.rounds } };
    }
  }
}

export async function evaluateDomainShiftJob(job: EvalJob, adapt: Adapt, o: EvalContext & { data?: DomainShiftData; zeroCost?: readonly string[] } = {}): Promise<EvalResult> {
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} space`));
  const data = o.data ?? loadDomainShift({ counts: { train: job.budget.trainImages, val: job.budget.valImages } });
  const source = data.source;
  const net = buildNetwork(space, job.genotype, { task: 'segmentation', classes: source.numClasses, inShape: [...source.shape], rng: createRng(job.seed) });
  try {
    const scored = untrainedScores(job, net, o.zeroCost ?? []);
    const trained = await train(net, data, adapt, {
      epochs: job.budget.epochs, batchSize: job.budget.batchSize, learningRate: job.budget.learningRate, seed: job.seed,
      // The executor's sign of life: a segmentation step can outlast its heartbeat.
      onStep: o.beat ? () => o.beat!() : undefined, signal: o.signal,
    });
    const last = trained.epochs[trained.epochs.length - 1];
    const target = await evaluateSegmentation(net, data.target.val, source);
    const latency = await jobLatency(job, net, o.lock);
    return {
      metrics: {
        miou: last.valMiou, pixel_accuracy: last.valPixelAccuracy, target_miou: target.miou, domain_gap: last.valMiou - target.miou, ...latency,
        params: net.paramCount(), flops: net.flops(), train_seconds: trained.seconds, ...scored.metrics,
      },
      extra: {
        segmentation: await predictPreview(net, source, source.val),
        domain: { adapt, targetPixelAccuracy: target.pixelAccuracy, target: await predictPreview(net, source, data.target.val), ...trained.log },
        ...scored.extra,
      },
      epochs: trained.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: NaN, valLoss: e.valLoss, valAccuracy: e.valMiou, seconds: e.seconds })),
      backend: tf.getBackend(),
      worker: o.worker ?? 'in-process',
    };
  } finally {
    net.dispose();
  }
}
