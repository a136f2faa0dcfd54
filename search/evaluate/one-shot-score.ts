/**
 * Judging one subnet of a weight-sharing supernet: select its path (single-path supernet) or
 * extract it (Once-for-All supernet), recalibrate batch norm on a few training batches
 * (train/recalibrate.ts says why), and score it on the validation (or test) split in inference
 * mode. Used by the one-shot evaluator and by the supernet trainers' per-epoch look at sampled
 * subnets, so both see the same measure.
 */
import * as tf from '@tensorflow/tfjs';
import { createBatcher } from '../data/batches.ts';
import { loadDataset, type DatasetName } from '../data/registry.ts';
import type { Dataset, Split } from '../data/types.ts';
import type { ElasticBlockNetwork } from '../nn/elastic-block.ts';
import type { Network } from '../nn/network.ts';
import { selectPath } from '../nn/single-path.ts';
import type { BlockSpace } from '../space/block.ts';
import type { CellSpace } from '../space/cell.ts';
import { extractSubnet } from '../space/elastic.ts';
import { pathOf } from '../space/one-shot.ts';
import type { BlockGenotype, CellGenotype } from '../space/types.ts';
import { evaluateNetwork, type EvalMetrics } from '../train/evaluate.ts';
import { recalibrateBatchNorm } from '../train/recalibrate.ts';

/** Batch size of the recalibration passes: 4 batches of 64 for the default 256 images. */
export const CALIBRATION_BATCH = 64;

/** What a subnet is judged on: `train` holds the calibration images, `val` the scored split. */
export type OneShotData = Pick<Dataset, 'shape' | 'numClasses' | 'mean' | 'std' | 'augment'> & { train: Split; val: Split };

/** The calibration images (seeded, stratified subset of the train split) and the scored split's subset, as the proxy evaluator subsets them. */
export function loadOneShotData(o: { dataset: string; dataDir?: string; calibrationImages: number; scoredImages: number; split?: 'val' | 'test' }): OneShotData {
  const split = o.split ?? 'val';
  const d = loadDataset(o.dataset as DatasetName, {
    dir: o.dataDir, subset: { train: o.calibrationImages, val: split === 'val' ? o.scoredImages : 0, test: split === 'test' ? o.scoredImages : 0 },
  });
  return { ...d, val: split === 'test' ? d.test : d.val };
}

function* calibrationBatches(data: OneShotData, onBatch?: () => void): Generator<tf.Tensor4D> {
  const batcher = createBatcher(data.train, data.shape, { batchSize: Math.min(CALIBRATION_BATCH, data.train.count), seed: 0, mean: data.mean, std: data.std, shuffle: false, dropLast: true });
  for (const b of batcher.restOfEpoch()) {
    const x = tf.tensor4d(b.x, [b.size, ...data.shape]);
    try {
      yield x;
    } finally {
      x.dispose();
    }
    onBatch?.();
  }
}

/**
 * The subnet's loss and top-1 accuracy on `data.val` with its own batch statistics; the supernet's
 * running statistics are left as the subnet's. `onBatch` is the worker's sign of life: scoring does
 * not let its timer run, and on a loaded machine it can outlast the pool's patience.
 */
export async function scoreSubnet(net: Network, space: CellSpace, g: CellGenotype, data: OneShotData, onBatch?: () => void): Promise<EvalMetrics> {
  selectPath(net, pathOf(space, g));
  return scoreRecalibrated(net, data, onBatch);
}

/** Recalibrated batch norm, then the loss and top-1 accuracy on `data.val`. */
async function scoreRecalibrated(net: Network, data: OneShotData, onBatch?: () => void): Promise<EvalMetrics> {
  recalibrateBatchNorm(net, calibrationBatches(data, onBatch));
  return evaluateNetwork(net, data.val, data, { onBatch });
}

/** A block subnet of a Once-for-All supernet, judged as its extracted standalone network; the supernet is left as it was. */
export async function scoreElasticSubnet(net: ElasticBlockNetwork, space: BlockSpace, g: BlockGenotype, data: OneShotData, onBatch?: () => void): Promise<EvalMetrics> {
  const sub = extractSubnet(space, net, g);
  try {
    return await scoreRecalibrated(sub, data, onBatch);
  } finally {
    sub.dispose();
  }
}

/** The standalone subnet with the supernet's weights and its own recalibrated batch statistics, as `cellscape specialise` exports it (the caller disposes it). */
export function inheritSubnet(net: ElasticBlockNetwork, space: BlockSpace, g: BlockGenotype, data: OneShotData): Network {
  const sub = extractSubnet(space, net, g);
  recalibrateBatchNorm(sub, calibrationBatches(data));
  return sub;
}
