/**
 * Remedies for the collapse towards parameter-free operations, chosen by `--remedy`:
 *
 * `beta` (beta-DARTS, Ye et al. 2022): the Beta-Decay regulariser, the mean over edges of the
 * log-sum-exp of the edge's alphas. Its gradient is the softmax itself, so it pulls every alpha
 * down in proportion to its mixing weight: no op runs away with the edge, and the weights stay
 * closer to uniform, so that the choice reflects the ops' merit rather than early training speed.
 * Here its weight ramps linearly from weight/epochs at the first epoch to `weight` at the last.
 *
 * `drnas` (DrNAS, Chen et al. 2021): the mixing weights of every forward pass are a sample of the
 * Dirichlet with concentrations elu(alpha) + 1 (dirichlet.ts), and `weight` scales the KL term
 * towards Dir(1) (the code's `reg_scale`). The genotype is derived from softmax(alpha), as there.
 *
 * `darts-minus` (DARTS-, Chu et al. 2021): every edge gets an auxiliary skip (nn/auxiliary-skip.ts)
 * whose coefficient decays linearly per step from `weight` to 0 over the search.
 *
 * `gdas` (GDAS, Dong & Yang 2019): every forward pass, of both halves of a step, draws one op per
 * edge by Gumbel-max over the alphas (gumbel.ts) from the epoch's generator, as DrNAS's Dirichlet
 * draws are, and computes only that op: the weights learn in the context a discrete cell runs in,
 * not in DARTS's sum of every op, at one op an edge. The weights are one-hot in value with the
 * straight-through gradient of softmax((alpha + g) / tau), and, as NAS-Bench-201's GDAS cell
 * (search_cells.py forward_gdas: `weights[i] * op(x) if i == index else weights[i]`), each edge
 * adds its other ops' weights (0 in value), so that their alphas get the summed gradient of the
 * edge's output: the chosen op's alpha moves with <dL/dh, op(x)> - sum(dL/dh). (The NASNet-space
 * GDAS of the same code, MixedOp.forward_gdas, leaves that term out.) `none` is a candidate, as in
 * both; the genotype is derived from softmax(alpha) as for the other remedies. `weight` is tau's
 * start (the code's tau_max, 10), annealed linearly per epoch to 0.1 (tau_min) over the epochs with
 * architecture steps; tau changes the alphas' gradient only, never which op is drawn. First order only.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Rng } from '../../util/rng.ts';
import { createMixer, type ArchParams, type Mixer } from './arch.ts';
import { concentrations, klToUniformDirichlet } from './dirichlet.ts';
import { TAU_END, tauAt } from './gumbel.ts';

export const REMEDIES = ['none', 'beta', 'drnas', 'darts-minus', 'gdas'] as const;
export type RemedyKind = (typeof REMEDIES)[number];
export const remedySchema = z.strictObject({
  kind: z.enum(REMEDIES),
  /** beta: the regulariser's weight at the last epoch; drnas: the KL term's; darts-minus: the auxiliary skip's first coefficient; gdas: tau's start. */
  weight: z.number().min(0),
}).refine((r) => r.kind !== 'gdas' || r.weight >= TAU_END, {
  path: ['weight'], message: `gdas: the weight is tau's start (--remedy-weight), annealed down to ${TAU_END}, so at least ${TAU_END}`,
});
export type RemedyConfig = z.infer<typeof remedySchema>;

/** The weight each remedy uses when none is given. */
export const DEFAULT_REMEDY_WEIGHT: Record<RemedyKind, number> = { none: 0, beta: 1, drnas: 1e-3, 'darts-minus': 1, gdas: 10 };

export function betaDecay(arch: ArchParams): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.logSumExp(arch.normal, 1)), tf.mean(tf.logSumExp(arch.reduce, 1))) as tf.Scalar);
}

/** DrNAS's regulariser: the KL divergence of both cell types' Dirichlets from Dir(1), summed over edges. */
export function dirichletKl(arch: ArchParams): tf.Scalar {
  return tf.tidy(() => tf.add(
    klToUniformDirichlet(concentrations(arch.normal) as tf.Tensor2D), klToUniformDirichlet(concentrations(arch.reduce) as tf.Tensor2D),
  ) as tf.Scalar);
}

/** The remedy's term of the architecture loss at this epoch (0-based, of `epochs`), or null for none. */
export function remedyTerm(cfg: RemedyConfig, arch: ArchParams, epoch: number, epochs: number): tf.Scalar | null {
  if (cfg.weight === 0) return null;
  switch (cfg.kind) {
    case 'beta': return tf.tidy(() => tf.mul(betaDecay(arch), (cfg.weight * (epoch + 1)) / epochs) as tf.Scalar);
    case 'drnas': return tf.tidy(() => tf.mul(dirichletKl(arch), cfg.weight) as tf.Scalar);
    default: return null;
  }
}

/** DARTS-'s auxiliary skip coefficient at a step of the whole search (0 for the other remedies). */
export function auxSkipAt(cfg: RemedyConfig, step: number, totalSteps: number): number {
  return cfg.kind === 'darts-minus' ? cfg.weight * Math.max(0, 1 - step / totalSteps) : 0;
}

/**
 * The forward context of a step under the remedy: Dirichlet samples from `rng` for drnas, Gumbel
 * draws from `rng` at this epoch's tau for gdas (`epoch` of `epochs` with architecture steps,
 * before 0 in a warm-up), the auxiliary skip's coefficient for darts-minus.
 */
export function remedyMixer(cfg: RemedyConfig, arch: ArchParams, o: { rng: Rng; step: number; totalSteps: number; epoch: number; epochs: number }): Mixer {
  return createMixer(arch, {
    dirichlet: cfg.kind === 'drnas' ? o.rng : undefined,
    gumbel: cfg.kind === 'gdas' ? { rng: o.rng, tau: tauAt(cfg.weight, o.epoch, o.epochs) } : undefined,
    auxSkip: auxSkipAt(cfg, o.step, o.totalSteps),
  });
}
