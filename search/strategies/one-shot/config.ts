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

/** Defaults: 10 epochs of 10,000 Fashion-MNIST images at batch 64 on darts-fmnist-small's supernet, 8 subnets scored per epoch. */
export const DEFAULT_SPOS_CONFIG: SposConfig = {
  ...PATH_TRAINING_DEFAULTS,
  strategy: 'spos',
  space: 'darts-fmnist-small',
  trainImages: 10_000,
  epochs: 10,
  weightDecay: 3e-4,
  sampling: 'uniform',
  subnets: 8,
};
