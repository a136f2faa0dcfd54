/**
 * Final training of an architecture before export, through search/train's loop: the train and
 * architecture-validation images together (valFraction 0), a cosine schedule, the data set's
 * augmentation unless told otherwise, and test accuracy at the end. A progress bar follows the steps.
 */
import type { Dataset } from '../data/types.ts';
import type { AugmentConfig } from '../data/augment.ts';
import type { Network } from '../nn/network.ts';
import { trainNetwork } from '../train/loop.ts';
import { evaluateNetwork } from '../train/evaluate.ts';
import type { OptimizerKind } from '../train/optimizer.ts';
import { createProgress } from '../util/progress.ts';
import type { GenotypeExport } from './schema.ts';

export interface FinalRecipe {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerKind;
  weightDecay: number;
  /** null: none; undefined: the data set's own. */
  augment?: AugmentConfig | null;
  dropPathProb: number;
  seed: number;
}

export async function trainForExport(net: Network, data: Dataset, r: FinalRecipe, backend: string): Promise<NonNullable<GenotypeExport['metrics']['final']>> {
  const augment = r.augment === undefined ? data.augment : r.augment;
  const progress = createProgress({ label: 'train', total: 1 });
  const result = await trainNetwork(net, { ...data, val: undefined }, {
    epochs: r.epochs, batchSize: r.batchSize, learningRate: r.learningRate, optimizer: r.optimizer,
    weightDecay: r.weightDecay, augment, dropPathProb: r.dropPathProb, seed: r.seed,
    onStep: (s) => {
      progress.setTotal(s.totalSteps);
      progress.update(s.step, `epoch ${s.epoch + 1}/${r.epochs} loss ${s.loss.toFixed(3)} lr ${s.lr.toExponential(2)}`);
    },
  });
  progress.finish();
  const test = await evaluateNetwork(net, data.test, data);
  return {
    dataset: data.name, epochs: r.epochs, batchSize: r.batchSize, learningRate: r.learningRate, optimizer: r.optimizer,
    augment: augment ?? null, seed: r.seed, trainImages: data.train.count, testImages: test.count,
    testAccuracy: Number.isNaN(test.accuracy) ? null : test.accuracy, testLoss: Number.isNaN(test.loss) ? null : test.loss,
    trainSeconds: result.seconds, backend,
  };
}
