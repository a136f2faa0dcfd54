/**
 * A Once-for-All supernet training run's configuration (stored with the run, checked by zod when
 * `resume` reads it back). Its fields beside the phases and the sandwich rule, and its state, are
 * the single-path trainers' (strategies/one-shot/path-config.ts).
 */
import { z } from 'zod';
import { PATH_TRAINING_DEFAULTS, pathTrainingFields } from '../one-shot/path-config.ts';

const int = z.int();

/**
 * Progressive shrinking, in OFA's order: the largest network alone first (sampling.ts
 * largestSubnet), then elastic kernel, then depth, then expansion and width; from the kernel phase
 * on, each layer's operation is drawn too (it is a choice, not an elastic dimension).
 */
export const OFA_PHASES = ['largest', 'kernel', 'depth', 'width'] as const;
export type OfaPhase = (typeof OFA_PHASES)[number];

export const ofaConfigSchema = z.strictObject({
  strategy: z.literal('ofa'),
  /** A space file or the name of a shipped block space. */
  space: z.string(),
  ...pathTrainingFields,
  /** Epochs of each phase of OFA_PHASES, in order; 0 skips a phase (epochs is their sum). */
  phaseEpochs: z.array(int.min(0)).length(OFA_PHASES.length),
  /**
   * The sandwich rule (BigNAS, OFA's later training code) in a one-subnet-a-step loop: of every 4
   * steps the first trains the largest network, the second the phase's smallest subnet, two a random one.
   */
  sandwich: z.boolean(),
}).refine((c) => c.epochs === c.phaseEpochs.reduce((a, b) => a + b, 0), { message: 'epochs must be the sum of phaseEpochs', path: ['epochs'] });
export type OfaConfig = z.infer<typeof ofaConfigSchema>;

/**
 * Defaults: mobile-blocks on 5,000 Fashion-MNIST images at batch 64, epochs 1,1,1,2 per phase.
 * Not chosen from a measurement. What a phase's images buy, at 1,1,1,2 (seed 0, the same 4
 * watched subnets): 2,000 images a phase (295 CPU s, bench/data/ofa-small.md; the mean of each
 * row's four) end at 15.5 %, 4,000 (533 CPU s, bench/data/ofa-scratch.md) at 19.0 %, epoch by
 * epoch 0 to 3.5 points above the smaller run; networks of this space trained alone (2 x 10,000 images) reach 85-88 %
 * (bench/tables/mobile-blocks.jsonl). Both are far from converged: a budget whose subnets rank
 * like trained ones lies beyond these and is still to be measured. Not a bug (bench/data/supernet-paths.md:
 * one subnet selected every step learns as its standalone network does) but the draw of each slot's
 * op, whose paths share little at the start. Batch 16 (SPOS's default, which gains there by more
 * steps) did not help here: the same 2,000-image run at batch 16 (625 steps, 499 CPU s) ended at
 * 9.8 %, at chance, against 15.5 % at batch 64; lr 0.01-0.2, no momentum or no clipping left the
 * first phase's loss at 2.35-2.38 after 31 steps. Those figures are of the first phase that drew
 * each layer's op; with the largest network trained alone first (bench/data/ofa-progressive.md,
 * 2,000 images, 446 CPU s) it reaches 59.6 %, but the phases that draw ops fall back to chance
 * (the watched mean ends at 18.3 %) and the one-shot ranking of the reference table stays at chance.
 */
export const DEFAULT_OFA_CONFIG: OfaConfig = {
  ...PATH_TRAINING_DEFAULTS,
  strategy: 'ofa',
  space: 'mobile-blocks',
  trainImages: 5_000,
  phaseEpochs: [1, 1, 1, 2],
  epochs: 5,
  weightDecay: 3e-5,
  sandwich: false,
  subnets: 6,
};
