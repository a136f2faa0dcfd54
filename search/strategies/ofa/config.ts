/**
 * A Once-for-All supernet training run's configuration (stored with the run, checked by zod when
 * `resume` reads it back). Its state is the single-path trainers' (strategies/one-shot/config.ts).
 */
import { z } from 'zod';
import { DATASET_NAMES } from '../../data/registry.ts';

const int = z.int();

/**
 * Progressive shrinking, in OFA's order: the largest subnets first (only the operation varies,
 * it is not an elastic dimension), then elastic kernel, then depth, then expansion and width.
 */
export const OFA_PHASES = ['largest', 'kernel', 'depth', 'width'] as const;
export type OfaPhase = (typeof OFA_PHASES)[number];

export const ofaConfigSchema = z.strictObject({
  strategy: z.literal('ofa'),
  /** A space file or the name of a shipped block space. */
  space: z.string(),
  dataset: z.enum(DATASET_NAMES),
  dataDir: z.string().optional(),
  trainImages: int.min(1),
  /** Epochs of each phase of OFA_PHASES, in order; 0 skips a phase. */
  phaseEpochs: z.array(int.min(0)).length(OFA_PHASES.length),
  /** The sum of phaseEpochs: one schedule (warm-up, cosine) over the whole run. */
  epochs: int.min(1),
  batchSize: int.min(2),
  learningRate: z.number().positive(),
  minLearningRate: z.number().min(0),
  warmupFraction: z.number().min(0).max(1),
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  clipNorm: z.number().min(0),
  augment: z.boolean(),
  /**
   * The sandwich rule (BigNAS, OFA's later training code) in a one-subnet-a-step loop: of every 4
   * steps the first trains the phase's largest subnet, the second its smallest, two a random one.
   */
  sandwich: z.boolean(),
  subnets: int.min(0),
  calibrationImages: int.min(1),
  valImages: int.min(1),
  seed: int.min(0),
  backend: z.string().optional(),
}).refine((c) => c.epochs === c.phaseEpochs.reduce((a, b) => a + b, 0), { message: 'epochs must be the sum of phaseEpochs', path: ['epochs'] });
export type OfaConfig = z.infer<typeof ofaConfigSchema>;

/**
 * Defaults: mobile-blocks on 5,000 Fashion-MNIST images at batch 64, epochs 1,1,1,2 per phase.
 * Not yet chosen from a measurement: bench/data/ofa-small.md has one busy-machine run (5 epochs x
 * 2,000 images, 295 CPU s) and the subnets it trained were far from converged.
 */
export const DEFAULT_OFA_CONFIG: OfaConfig = {
  strategy: 'ofa',
  space: 'mobile-blocks',
  dataset: 'fashion-mnist',
  trainImages: 5_000,
  phaseEpochs: [1, 1, 1, 2],
  epochs: 5,
  batchSize: 64,
  learningRate: 0.05,
  minLearningRate: 0,
  warmupFraction: 0.05,
  momentum: 0.9,
  weightDecay: 3e-5,
  clipNorm: 5,
  augment: false,
  sandwich: false,
  subnets: 6,
  calibrationImages: 256,
  valImages: 1000,
  seed: 0,
};
