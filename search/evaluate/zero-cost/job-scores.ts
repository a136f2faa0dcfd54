/**
 * A job's zero-cost scores: its network as built (initialised from the job's seed) scored by
 * proxies on one minibatch of the run's data set drawn with the same seed, so that every
 * candidate of a run sees the same images and a score here equals the one `--evaluator zc:NAME`
 * stores. The zero-cost evaluator ranks by one such score; a training evaluator stores them beside
 * what training measures (`zeroCost` of its spec), computed before it trains.
 */
import type { EvalJob } from '../../contracts/job.ts';
import { zeroCostMetric, type MetricValues } from '../../contracts/metrics.ts';
import { spaceTaskOf } from '../../contracts/task.ts';
import { loadDataset, type DatasetName } from '../../data/registry.ts';
import type { Network } from '../../nn/network.ts';
import { resizeDataset } from '../../data/resize.ts';
import type { Dataset } from '../../data/types.ts';
import { segmentationDataset } from '../seg-dataset.ts';
import { classificationBatch, CLASSIFICATION_BATCH, segmentationBatch, SEGMENTATION_BATCH, type OwnedBatch } from './batch.ts';
import { proxyByName } from './index.ts';
import { scoreNetwork } from './score.ts';
import type { ProxyScore } from './types.ts';

/** Shape, classes and the minibatch maker of a job's data set; loaded once per worker, since every job of a run names the same. */
export interface JobData { shape: number[]; classes: number; batch: (seed: number) => OwnedBatch }
/** `images`: the classification images the batches come from, to resize for a genotype's resolution. */
let cached: { key: string; data: JobData; images?: Dataset } | undefined;
let resized: { key: string; data: JobData } | undefined;

const classificationData = (d: Dataset): JobData => ({ shape: [...d.shape], classes: d.numClasses, batch: (seed) => classificationBatch(d, seed) });

/** `side`: the images resized to side x side, for a genotype that chose its input resolution. */
export function jobData(job: Pick<EvalJob, 'task' | 'dataset'>, side?: number): JobData {
  const key = `${job.task}:${job.dataset}`;
  if (cached?.key !== key) {
    if (spaceTaskOf(job.task) === 'segmentation') {
      const d = segmentationDataset(job.dataset, { train: SEGMENTATION_BATCH, val: 0 });
      cached = { key, data: { shape: [...d.shape], classes: d.numClasses, batch: (seed) => segmentationBatch(d, seed) } };
    } else {
      const d = loadDataset(job.dataset as DatasetName, { subset: { train: CLASSIFICATION_BATCH, val: 0, test: 0 } });
      cached = { key, data: classificationData(d), images: d };
    }
  }
  const { data, images } = cached;
  if (side === undefined || !images || data.shape[0] === side) return data;
  if (resized?.key !== `${key}:${side}`) resized = { key: `${key}:${side}`, data: classificationData(resizeDataset(images, side)) };
  return resized.data;
}

/** Each proxy's score of the job's untrained network (left as it was: score.ts restores it). */
export function jobScores(job: Pick<EvalJob, 'task' | 'dataset' | 'seed'>, net: Network, proxies: readonly string[]): Record<string, ProxyScore> {
  const chosen = proxies.map(proxyByName);
  const side = job.task === 'segmentation' ? undefined : net.config.inShape[0];
  const batch = chosen.some((p) => p.usesData) ? jobData(job, side).batch(job.seed) : undefined;
  try {
    return scoreNetwork(net, chosen, batch);
  } finally {
    batch?.dispose();
  }
}

/**
 * The scores as metrics (`zc_<proxy>`), and why each undefined one is missing: a training
 * evaluator keeps the candidate (its accuracy is still worth having) and records the reason.
 */
function scoreMetrics(scores: Record<string, ProxyScore>): { metrics: MetricValues; undefined: Record<string, string> } {
  const metrics: MetricValues = {};
  const undefinedScores: Record<string, string> = {};
  for (const [name, s] of Object.entries(scores)) {
    if ('value' in s) metrics[zeroCostMetric(name)] = s.value;
    else undefinedScores[name] = s.undefined;
  }
  return { metrics, undefined: undefinedScores };
}

/**
 * The zero-cost scores of the network as built, before any training step, as metrics, and what
 * the candidate keeps of the scoring: the seconds it took and why an undefined proxy has no score.
 */
export function untrainedScores(job: EvalJob, net: Network, proxies: readonly string[]):
  { metrics: MetricValues; extra?: Record<string, unknown> } {
  if (proxies.length === 0) return { metrics: {} };
  const started = performance.now();
  const { metrics, undefined: missing } = scoreMetrics(jobScores(job, net, proxies));
  const seconds = (performance.now() - started) / 1000;
  return { metrics, extra: { zeroCost: { proxies, seconds, ...(Object.keys(missing).length ? { undefined: missing } : {}) } } };
}
