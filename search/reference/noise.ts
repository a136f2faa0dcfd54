/**
 * How much of a table's spread is the architectures and how much is training noise, from the same
 * architectures trained twice with different seeds at the same budget. Each run's accuracy is taken
 * as signal + independent noise: the difference of two runs has twice the noise variance and no
 * signal, so what is left of a run's variance after the noise is the architectures'. Reliability is
 * that share (the correlation two runs are expected to have); Spearman-Brown then says how many
 * seeds a mean needs to reach a wanted reliability.
 */
import { kendallTau, spearman } from './agreement.ts';

export interface NoiseCeiling {
  n: number;
  /** Seed-to-seed rank agreement: no evaluator is expected to agree with one run better. */
  spearman: number;
  kendall: number;
  /** Standard deviation of one run's accuracy around the architecture's own. */
  noiseSd: number;
  /** Standard deviation of accuracies across the architectures in one run. */
  spreadSd: number;
  /** Standard deviation of the architectures' own accuracies (0 when the noise explains all). */
  signalSd: number;
  /** Signal variance over a run's variance, in [0, 1]. */
  reliability: number;
}

const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: readonly number[]): number => {
  const m = mean(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
};

export function noiseCeiling(a: readonly number[], b: readonly number[]): NoiseCeiling {
  if (a.length !== b.length) throw new Error(`noise ceiling of ${a.length} and ${b.length} values`);
  if (a.length < 3) throw new Error(`noise ceiling of ${a.length} architectures: needs at least 3`);
  const noiseVar = variance(a.map((x, i) => x - b[i])) / 2;
  const runVar = (variance(a) + variance(b)) / 2;
  const signalVar = Math.max(0, runVar - noiseVar);
  return {
    n: a.length, spearman: spearman(a, b), kendall: kendallTau(a, b),
    noiseSd: Math.sqrt(noiseVar), spreadSd: Math.sqrt(runVar), signalSd: Math.sqrt(signalVar),
    reliability: runVar === 0 ? NaN : signalVar / runVar,
  };
}

/** Seeds whose mean reaches `target` reliability (Spearman-Brown); Infinity when there is no signal. */
export function seedsFor(reliability: number, target: number): number {
  if (!(reliability > 0)) return Infinity;
  // The small slack keeps an exact ratio such as 4.000000000000001 at 4.
  return Math.ceil((target * (1 - reliability)) / (reliability * (1 - target)) - 1e-9);
}

/**
 * The correlation an evaluator that knew every architecture's noise-free accuracy would reach
 * against the mean of `seeds` runs whose seed-to-seed correlation is `r`: the square root of that
 * mean's reliability (Spearman-Brown). On rank correlations an approximation, which is all a
 * ceiling needs to be.
 */
export function oracleCeiling(r: number, seeds: number): number {
  if (!(r > 0)) return 0;
  return Math.sqrt((seeds * r) / (1 + (seeds - 1) * r));
}
