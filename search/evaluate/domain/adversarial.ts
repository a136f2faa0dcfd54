/**
 * Domain-adversarial training (DANN) of a segmentation network: each step runs a source batch and
 * an equal target batch through the backbone together, the head and its per-pixel loss see the
 * source half only, and a domain discriminator reads the deepest feature map of both through a
 * gradient reversal layer whose coefficient ramps up over training. Target images only: no target
 * mask can reach this loop (UnlabelledSplit has none).
 */
import * as tf from '@tensorflow/tfjs';
import type { UnlabelledSplit } from '../../data/segmentation/domain-shift.ts';
import { segBatches } from '../../data/segmentation/batches.ts';
import { deriveRng } from '../../data/seeds.ts';
import { DomainDiscriminator } from '../../nn/domain-discriminator.ts';
import { reverseGradient, reversalCoefficient } from '../../nn/gradient-reversal.ts';
import type { Network } from '../../nn/network.ts';
import { createStepper } from '../../train/optimizer.ts';
import { cosineLr } from '../../train/schedule.ts';
import { createRng } from '../../util/rng.ts';
import { segmentationLoss } from '../seg-loss.ts';
import { evaluateSegmentation, type SegEpochRecord, type SegTrainData, type SegTrainOptions } from '../seg-train.ts';
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
  const vars = [...net.variables(), ...disc.variables('discriminator.')];
  const stepper = createStepper(vars, { kind: o.optimizer ?? 'adam', learningRate: o.learningRate, weightDecay: o.weightDecay ?? 1e-4, clipNorm: o.clipNorm ?? 5 });
  const perEpoch = Math.floor(data.train.count / o.batchSize) || 1;
  const total = perEpoch * o.epochs;
  const began = performance.now();
  const epochs: AdversarialRecord[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0, domainSum = 0, seen = 0, batches = 0;
      for (const b of segBatches(data.train, data.shape, epoch, { batchSize: o.batchSize, seed: o.seed, mean: data.mean, std: data.std, flip: o.flip, dropLast: data.train.count > o.batchSize })) {
        o.signal?.throwIfAborted();
        const rng = deriveRng(o.seed, TARGET_STREAM, epoch, batches);
        const picked = Array.from({ length: b.size }, () => rng.int(target.count));
        const x = tf.tidy(() => tf.concat([tf.tensor4d(b.x, [b.size, ...data.shape]), tf.tensor4d(targetImages(target, data.shape, picked, data.mean, data.std), [b.size, ...data.shape])], 0));
        const coefficient = reversalCoefficient(step / total, o.weight);
        try {
          let domain: tf.Scalar | null = null;
          const { value, grads } = tf.variableGrads(() => {
            const features = net.backbone.run(x, true).features;
            const logits = net.head.forward(features.map((f) => tf.slice(f, 0, b.size)), inShape, true);
            const seg = segmentationLoss(logits, b.y, data.ignoreLabel);
            domain = tf.keep(domainLoss(disc.forward(reverseGradient(features.at(-1)!, coefficient), true), b.size));
            return tf.add(seg, domain) as tf.Scalar;
          }, vars.map((v) => v.variable));
          stepper.step(grads, cosineLr(step, total, o.learningRate));
          const [lossValue, domainValue] = [(await value.data())[0], (await domain!.data())[0]];
          tf.dispose([value, domain!, ...Object.values(grads)]);
          lossSum += (lossValue - domainValue) * b.size;
          domainSum += domainValue;
          seen += b.size;
          batches++;
          step++;
          o.onStep?.({ epoch, step, loss: lossValue });
        } finally {
          x.dispose();
        }
      }
      const val = data.val ? await evaluateSegmentation(net, data.val, data, { batchSize: o.evalBatchSize }) : null;
      epochs.push({
        epoch, trainLoss: lossSum / seen, valLoss: val?.loss ?? NaN, valMiou: val?.miou ?? NaN, valPixelAccuracy: val?.pixelAccuracy ?? NaN,
        seconds: (performance.now() - t0) / 1000, domainLoss: domainSum / batches,
      });
    }
  } finally {
    stepper.dispose();
    disc.dispose();
  }
  return { epochs, steps: step, seconds: (performance.now() - began) / 1000 };
}
