/**
 * Scalar scores that fold quality (accuracy, mIoU) and cost into one number, for single-objective search.
 */
import type { MetricValues } from '../contracts/metrics.ts';

export interface WeightedScoreWeights {
  /** Weight of accuracy (in [0, 1]). */
  accuracy: number;
  /** Per millisecond of latency. */
  latency: number;
  /** Per parameter (use e.g. 1e-7 for "0.1 per million"). */
  params: number;
}

/** a·quality − b·latency − c·params; a missing cost counts as 0. */
export function weightedScore(quality: number, m: MetricValues, w: WeightedScoreWeights): number {
  return w.accuracy * quality - w.latency * (m.latency_ms ?? 0) - w.params * (m.params ?? 0);
}

export interface MnasOptions {
  /** Target latency T in ms. */
  targetMs: number;
  /** Exponent when latency ≤ T. */
  alpha: number;
  /** Exponent when latency > T. */
  beta: number;
}

/** MnasNet's presets: soft (α = β = −0.07) trades accuracy for latency everywhere; hard (α = 0, β = −1) only penalizes over-target. */
export function mnasPreset(kind: 'soft' | 'hard', targetMs: number): MnasOptions {
  return kind === 'soft' ? { targetMs, alpha: -0.07, beta: -0.07 } : { targetMs, alpha: 0, beta: -1 };
}

/** MnasNet reward ACC · (LAT / T)^w with w = α if LAT ≤ T else β (Tan et al., 2019, eq. 2). */
export function mnasScore(accuracy: number, latencyMs: number, o: MnasOptions): number {
  if (!(o.targetMs > 0)) throw new Error(`MnasNet score needs a positive target latency, got ${o.targetMs}`);
  if (!(latencyMs > 0)) throw new Error(`MnasNet score needs a positive latency, got ${latencyMs}`);
  const w = latencyMs <= o.targetMs ? o.alpha : o.beta;
  return accuracy * Math.pow(latencyMs / o.targetMs, w);
}
