/**
 * A single-path one-shot (SPOS) supernet training run's configuration, stored with the run and
 * checked by zod when `resume` reads it back. Its fields beside the sampling are the single-path
 * trainers' (path-config.ts), as is the state it commits after every epoch.
 */
import { z } from 'zod';
import { PATH_TRAINING_DEFAULTS, pathTrainingFields } from './path-config.ts';

export const SAMPLINGS = ['uniform', 'fair'] as const;

export const sposConfigSchema = z.strictObject({
  strategy: z.literal('spos'),
  /** A space file or the name of a shipped cell space. */
  space: z.string(),
  ...pathTrainingFields,
  /**
   * uniform: every step a genotype drawn uniformly (inputs and ops), as SPOS; fair: inputs drawn
   * so, but each edge slot's op follows a fresh permutation of the ops every m steps (m ops), so
   * each op of a slot is trained exactly once per m steps (FairNAS's strict fairness, one path a step).
   */
  sampling: z.enum(SAMPLINGS),
});
export type SposConfig = z.infer<typeof sposConfigSchema>;

/**
 * Defaults: 10 epochs of 10,000 Fashion-MNIST images at batch 16 on darts-fmnist-small's
 * supernet, 8 subnets scored per epoch. Batch 16, not the trainers' 64, because a single-path
 * supernet learns by steps, not images (each edge's op is on a step's path 1 time in 7;
 * bench/data/supernet-paths.md): `cellscape search --strategy spos --epochs E --train-images 3200
 * --subnets 4 --val-images 500 --seed 0 --batch-size B` left the 4 watched subnets at a mean of
 * 32.1 % with B 16 and 2 epochs (400 steps, 108 CPU s), 20.8 % with B 64 and 2 epochs (64 CPU s),
 * 24.9 % with B 64 at lr 0.2, 30.8 % with B 64 and 4 epochs (200 steps, 171 CPU s; load average
 * 7-8 throughout). Once-for-All does not share this default: at batch 16 its supernet stayed at chance.
 * Neither of the two 2-epoch supernets ranks the 4-epoch reference table (Spearman -0.02 at batch
 * 16, 0.15 at 64, both within chance over 30 rows: bench/data/supernet-paths.md), so this default
 * rests on accuracy per image, not on ranking.
 */
export const DEFAULT_SPOS_CONFIG: SposConfig = {
  ...PATH_TRAINING_DEFAULTS,
  strategy: 'spos',
  space: 'darts-fmnist-small',
  batchSize: 16,
  trainImages: 10_000,
  epochs: 10,
  weightDecay: 3e-4,
  sampling: 'uniform',
  subnets: 8,
};
