/**
 * Domain-adversarial training (DANN) of a segmentation network, as an objective of the
 * segmentation training loop (seg-train.ts): each step runs a source batch and an equal target
 * batch through the backbone together, the head and its per-pixel loss see the source half only,
 * and a domain discriminator reads the deepest feature map of both through a gradient reversal
 * layer whose coefficient ramps up over training. Target images only: no target
 * mask can reach this loop (UnlabelledSplit has none).
 */
import * as tf from '@tensorflow/tfjs';
import type { UnlabelledSplit } from '../../data/segmentation/domain-shift.ts';
import { deriveRng } from '../../data/seeds.ts';
import { DomainDiscriminator } from '../../nn/domain-discriminator.ts';
import { reverseGradient, reversalCoefficient } from '../../nn/gradient-reversal.ts';
import type { Network } from '../../nn/network.ts';
import { createRng } from '../../util/rng.ts';
import { segmentationLoss } from '../seg-loss.ts';
import { trainSegmentation, type SegEpochRecord, type SegObjective, type SegTrainData, type SegTrainOptions } from '../seg-train.ts';
import { targetImages } from './target-images.ts';

/** Stream tag of the target batches' draws, apart from ../../data/seeds.ts STREAM's. */
const TARGET_STREAM = 13;

export interface AdversarialOptions extends SegTrainOptions {
  /** The reversal coefficient's final value (DANN's lambda); it ramps from 0. */
  weight: number;
}

export interface AdversarialRecord extends SegEpochRecord {
  /** Mean discriminator loss of the epoch (ln 2 = 0.693 when it cannot tell the domains apart). */
  domainLoss: number;
}

/** The discriminator's loss: sigmoid cross-entropy of "target" over every position of both halves. */
function domainLoss(logits: tf.Tensor, sourceCount: number): tf.Scalar {
  return tf.tidy(() => {
    const [b, h, w] = logits.shape;
    const labels = tf.concat([tf.zeros([sourceCount, h!, w!, 1]), tf.ones([b! - sourceCount, h!, w!, 1])], 0);
    return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
  });
}

export async function trainAdversarial(net: Network, data: SegTrainData, target: UnlabelledSplit, o: AdversarialOptions): Promise<{ epochs: AdversarialRecord[]; steps: number; seconds: number }> {
  if (target.count === 0) throw new Error('adversarial alignment needs target images; the target split is empty');
  const inShape = [...data.shape];
  const deepest = net.backbone.featureShapes(inShape).at(-1)!;
  const disc = new DomainDiscriminator(deepest[2], createRng(o.seed + 1));
  // Each source batch runs through the backbone beside as many target images; the head and its loss see the source half only.
  const objective: SegObjective = {
    variables: disc.variables('discriminator.'),
    loss(source, b, at) {
      const rng = deriveRng(o.seed, TARGET_STREAM, at.epoch, at.batch);
      const picked = Array.from({ length: b.size }, () => rng.int(target.count));
      const x = tf.concat([source, tf.tensor4d(targetImages(target, data.shape, picked, data.mean, data.std), [b.size, ...data.shape])], 0);
      const features = net.backbone.run(x, true).features;
      const logits = net.head.forward(features.map((f) => tf.slice(f, 0, b.size)), inShape, true);
      const seg = segmentationLoss(logits, b.y, data.ignoreLabel);
      const domain = domainLoss(disc.forward(reverseGradient(features.at(-1)!, reversalCoefficient(at.step / at.total, o.weight)), true), b.size);
      return { total: tf.add(seg, domain) as tf.Scalar, aux: domain };
    },
  };
  try {
    const r = await trainSegmentation(net, data, { ...o, objective });
    return { ...r, epochs: r.epochs.map(({ auxLoss, ...e }) => ({ ...e, domainLoss: auxLoss! })) };
  } finally {
    disc.dispose();
  }
}
