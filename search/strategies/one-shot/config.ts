/**
 * A single-path one-shot (SPOS) supernet training run's configuration, stored with the run and
 * checked by zod when `resume` reads it back, and the state it commits after every epoch.
 */
import { z } from 'zod';
import { DATASET_NAMES } from '../../data/registry.ts';

const int = z.int();

export const SAMPLINGS = ['uniform', 'fair'] as const;

export const sposConfigSchema = z.strictObject({
  strategy: z.literal('spos'),
  /** A space file or the name of a shipped cell space. */
  space: z.string(),
  dataset: z.enum(DATASET_NAMES),
  dataDir: z.string().optional(),
  /** Training images (a seeded, stratified subset of the train split). */
  trainImages: int.min(1),
  epochs: int.min(1),
  batchSize: int.min(2),
  /** Momentum SGD, a linear warm-up over warmupFraction of the steps, then cosine from learningRate to minLearningRate. */
  learningRate: z.number().positive(),
  minLearningRate: z.number().min(0),
  warmupFraction: z.number().min(0).max(1),
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  clipNorm: z.number().min(0),
  augment: z.boolean(),
  /**
   * uniform: every step a genotype drawn uniformly (inputs and ops), as SPOS; fair: inputs drawn
   * so, but each edge slot's op follows a fresh permutation of the ops every m steps (m ops), so
   * each op of a slot is trained exactly once per m steps (FairNAS's strict fairness, one path a step).
   */
  sampling: z.enum(SAMPLINGS),
  /** Subnets (the same seeded sample every epoch) scored after each epoch, for the curve; 0: none. */
  subnets: int.min(0),
  /** Training images each scored subnet's batch norms are recalibrated on, and validation images it is scored on. */
  calibrationImages: int.min(1),
  valImages: int.min(1),
  seed: int.min(0),
  backend: z.string().optional(),
});
export type SposConfig = z.infer<typeof sposConfigSchema>;

/** Defaults: 10 epochs of 10,000 Fashion-MNIST images at batch 64 on darts-fmnist-small's supernet, 8 subnets scored per epoch. */
export const DEFAULT_SPOS_CONFIG: SposConfig = {
  strategy: 'spos',
  space: 'darts-fmnist-small',
  dataset: 'fashion-mnist',
  trainImages: 10_000,
  epochs: 10,
  batchSize: 64,
  learningRate: 0.05,
  minLearningRate: 0,
  warmupFraction: 0.05,
  momentum: 0.9,
  weightDecay: 3e-4,
  clipNorm: 5,
  augment: false,
  sampling: 'uniform',
  subnets: 8,
  calibrationImages: 256,
  valImages: 1000,
  seed: 0,
};

export const sposStateSchema = z.strictObject({
  phase: z.enum(['train', 'done']),
  /** Epochs completed and committed. */
  epoch: int.min(0),
  step: int.min(0),
  /** The checkpoint of the last committed epoch, null before the first. */
  checkpoint: z.string().nullable(),
});
export type SposState = z.infer<typeof sposStateSchema>;
