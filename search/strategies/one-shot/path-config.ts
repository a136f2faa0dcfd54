/**
 * What the single-path supernet trainers (SPOS on cell spaces, Once-for-All on block spaces) share
 * of their stored configuration, with the defaults they share, and the state both commit after
 * every epoch: one loop (run.ts) trains both, so the fields it reads are declared once.
 */
import { z } from 'zod';
import { DATASET_NAMES } from '../../data/registry.ts';
import type { TrainOptions } from '../../train/loop.ts';

const int = z.int();

/** The fields trainPaths reads (spread into each trainer's strictObject). */
export const pathTrainingFields = {
  dataset: z.enum(DATASET_NAMES),
  dataDir: z.string().optional(),
  /** Training images (a seeded, stratified subset of the train split). */
  trainImages: int.min(1),
  /** All epochs of the run: one schedule (warm-up, cosine) spans them. */
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
  /** Subnets (the same seeded sample every epoch) scored after each epoch, for the curve; 0: none. */
  subnets: int.min(0),
  /** Training images each scored subnet's batch norms are recalibrated on, and validation images it is scored on. */
  calibrationImages: int.min(1),
  valImages: int.min(1),
  seed: int.min(0),
  backend: z.string().optional(),
  /**
   * Worker threads the supernet trains on, each on 1/N of every batch (parallel.ts); 1: in the
   * run's own thread. Runs stored before the option existed trained on one.
   */
  dataParallel: int.min(1).default(1),
};
const pathTrainingSchema = z.strictObject(pathTrainingFields);
export type PathTrainingConfig = z.infer<typeof pathTrainingSchema>;

/**
 * The optimiser and scoring defaults both trainers start from (each sets its own data, epochs,
 * weight decay and subnets; SPOS its batch size). lr 0.05 and clip 5 are not what holds a supernet
 * at chance early on (bench/data/supernet-paths.md: lr 0.01 to 0.2, no momentum or no clipping gave
 * the same first-phase loss on mobile-blocks after 31 steps); the path sampling is.
 */
export const PATH_TRAINING_DEFAULTS = {
  dataset: 'fashion-mnist',
  batchSize: 64,
  learningRate: 0.05,
  minLearningRate: 0,
  warmupFraction: 0.05,
  momentum: 0.9,
  clipNorm: 5,
  augment: false,
  calibrationImages: 256,
  valImages: 1000,
  seed: 0,
  dataParallel: 1,
} as const satisfies Partial<PathTrainingConfig>;

/** The training loop's options (train/loop.ts) a config means, the same in the run's thread and on its workers. */
export function pathTrainOptions(c: PathTrainingConfig) {
  return {
    epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, minLearningRate: c.minLearningRate, warmupFraction: c.warmupFraction, momentum: c.momentum,
    // freezeUnreached: ops off a step's path keep their weights and momentum (optimizer.ts).
    weightDecay: c.weightDecay, clipNorm: c.clipNorm, freezeUnreached: true, augment: c.augment ? undefined : null, seed: c.seed,
  } satisfies Partial<TrainOptions>;
}

export const pathStateSchema = z.strictObject({
  phase: z.enum(['train', 'done']),
  /** Epochs completed and committed. */
  epoch: int.min(0),
  step: int.min(0),
  /** The checkpoint of the last committed epoch, null before the first. */
  checkpoint: z.string().nullable(),
});
export type PathState = z.infer<typeof pathStateSchema>;
