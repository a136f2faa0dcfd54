/**
 * Pseudo-label self-training: train on the source, then for each round label the unlabelled target
 * images with the network's own confident predictions (a pixel whose top softmax probability is
 * under the threshold becomes the ignore label) and train on source and pseudo-labelled target
 * together. Target images only: the masks it trains on are its own predictions.
 */
import * as tf from '@tensorflow/tfjs';
import type { UnlabelledSplit } from '../../data/segmentation/domain-shift.ts';
import type { SegSplit } from '../../data/segmentation/types.ts';
import { imageSize } from '../../data/types.ts';
import type { Network } from '../../nn/network.ts';
import { trainSegmentation, type SegEpochRecord, type SegTrainData, type SegTrainOptions } from '../seg-train.ts';
import { targetImages } from './target-images.ts';

export interface SelfTrainingOptions extends SegTrainOptions {
  /** Pseudo-labelling rounds after the source training, each followed by `roundEpochs` epochs. */
  rounds: number;
  roundEpochs: number;
  /** A pixel keeps its predicted class only at this top softmax probability or above. */
  threshold: number;
}

export interface RoundRecord { round: number; keptFraction: number }

/** The network's confident predictions on `images` as masks (ignore label elsewhere), and the share of pixels kept. */
export async function pseudoLabels(net: Network, images: UnlabelledSplit, data: Pick<SegTrainData, 'shape' | 'mean' | 'std' | 'ignoreLabel'>, threshold: number, batchSize = 32): Promise<{ masks: Uint8Array; keptFraction: number }> {
  const [h, w] = data.shape;
  const px = h * w;
  const masks = new Uint8Array(images.count * px);
  let kept = 0;
  for (let start = 0; start < images.count; start += batchSize) {
    const n = Math.min(batchSize, images.count - start);
    const indices = Array.from({ length: n }, (_, i) => start + i);
    const [classes, confidence] = tf.tidy(() => {
      const probs = tf.softmax(net.forward(tf.tensor4d(targetImages(images, data.shape, indices, data.mean, data.std), [n, ...data.shape]), false));
      return [tf.argMax(probs, -1), tf.max(probs, -1)];
    });
    const [c, p] = [await classes.data(), await confidence.data()];
    tf.dispose([classes, confidence]);
    for (let i = 0; i < n * px; i++) {
      const keep = p[i] >= threshold;
      masks[start * px + i] = keep ? c[i] : data.ignoreLabel;
      if (keep) kept++;
    }
  }
  return { masks, keptFraction: images.count ? kept / (images.count * px) : 0 };
}

/** Source scenes followed by pseudo-labelled target scenes, as one training split. */
function joined(source: SegSplit, target: UnlabelledSplit, masks: Uint8Array, size: number): SegSplit {
  const images = new Uint8Array((source.count + target.count) * size);
  images.set(source.images.subarray(0, source.count * size));
  images.set(target.images.subarray(0, target.count * size), source.count * size);
  const all = new Uint8Array(source.masks.length + masks.length);
  all.set(source.masks);
  all.set(masks, source.masks.length);
  return { images, masks: all, count: source.count + target.count };
}

export async function selfTrain(net: Network, data: SegTrainData, target: UnlabelledSplit, o: SelfTrainingOptions): Promise<{ epochs: SegEpochRecord[]; rounds: RoundRecord[]; steps: number; seconds: number }> {
  const first = await trainSegmentation(net, data, o);
  const epochs = [...first.epochs];
  const rounds: RoundRecord[] = [];
  let { steps, seconds } = first;
  for (let round = 1; round <= o.rounds; round++) {
    const { masks, keptFraction } = await pseudoLabels(net, target, data, o.threshold, o.evalBatchSize);
    rounds.push({ round, keptFraction });
    const more = await trainSegmentation(net, { ...data, train: joined(data.train, target, masks, imageSize(data.shape)) }, { ...o, epochs: o.roundEpochs, seed: o.seed + round });
    epochs.push(...more.epochs.map((e) => ({ ...e, epoch: epochs.length + e.epoch })));
    steps += more.steps;
    seconds += more.seconds;
  }
  return { epochs, rounds, steps, seconds };
}
