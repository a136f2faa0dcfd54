/**
 * Remedies for the collapse towards parameter-free operations.
 *
 * `beta` (beta-DARTS, Ye et al. 2022): the Beta-Decay regulariser, the mean over edges of the
 * log-sum-exp of the edge's alphas. Its gradient is the softmax itself, so it pulls every alpha
 * down in proportion to its mixing weight: no op runs away with the edge, and the weights stay
 * closer to uniform, so that the choice reflects the ops' merit rather than early training speed.
 * Here its weight ramps linearly from weight/epochs at the first epoch to `weight` at the last.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ArchParams } from './arch.ts';

export const REMEDIES = ['none', 'beta'] as const;
export const remedySchema = z.strictObject({
  kind: z.enum(REMEDIES),
  /** beta: the regulariser's weight at the last epoch. */
  weight: z.number().min(0),
});
export type RemedyConfig = z.infer<typeof remedySchema>;

export function betaDecay(arch: ArchParams): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.logSumExp(arch.normal, 1)), tf.mean(tf.logSumExp(arch.reduce, 1))) as tf.Scalar);
}

/** The remedy's term of the architecture loss at this epoch (0-based, of `epochs`), or null for none. */
export function remedyTerm(cfg: RemedyConfig, arch: ArchParams, epoch: number, epochs: number): tf.Scalar | null {
  if (cfg.kind === 'none' || cfg.weight === 0) return null;
  return tf.tidy(() => tf.mul(betaDecay(arch), (cfg.weight * (epoch + 1)) / epochs) as tf.Scalar);
}
