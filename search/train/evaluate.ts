/** Loss and top-1 accuracy of a classifier over a split, in inference mode and in batches. */
import * as tf from '@tensorflow/tfjs';
import { createBatcher } from '../data/batches.ts';
import { classificationTensors } from './labels.ts';
import type { Split } from '../data/types.ts';
import type { Network } from '../nn/network.ts';
import type { TrainData } from './train-data.ts';

export interface EvalMetrics { loss: number; accuracy: number; count: number }

export async function evaluateNetwork(net: Network, split: Split, data: TrainData, opts: { batchSize?: number; onBatch?: () => void } = {}): Promise<EvalMetrics> {
  if (split.count === 0) return { loss: NaN, accuracy: NaN, count: 0 };
  const batcher = createBatcher(split, data.shape, { batchSize: opts.batchSize ?? 256, seed: 0, mean: data.mean, std: data.std, shuffle: false });
  let lossSum = 0;
  let correct = 0;
  for (const batch of batcher.restOfEpoch()) {
    const sums = tf.tidy(() => {
      const { x, y } = classificationTensors(batch, data.shape, data.numClasses);
      const logits = net.forward(x, false);
      const loss = tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32'));
      return tf.stack([loss, hits]);
    });
    const [l, c] = await sums.data();
    sums.dispose();
    lossSum += l;
    correct += c;
    opts.onBatch?.();
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count, count: split.count };
}
