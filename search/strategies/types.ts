/**
 * The ask/tell contract between a search loop and a strategy. The loop asks for proposals,
 * evaluates them (in any order, in parallel), and tells the results back; the strategy owns all
 * randomness of the search. `state()` is plain JSON: a strategy restored from it answers every
 * later ask exactly as the uninterrupted one would, given the same tells.
 */
import type { Genotype } from '../space/types.ts';
import type { Metrics } from '../objectives/metrics.ts';

export interface Proposal<G extends Genotype = Genotype> {
  genotype: G;
  /** The space's canonical key; unique among everything this strategy has proposed. */
  key: string;
  /** Key of the parent this was mutated from (evolution), absent for samples. */
  parentKey?: string;
  /** 0 for random samples; parent's generation + 1 for children. */
  generation: number;
}

export type Result =
  | { key: string; metrics: Metrics }
  | { key: string; error: string };

export interface Strategy<G extends Genotype = Genotype> {
  readonly kind: string;
  /**
   * Up to n new proposals. Fewer (possibly none) only when no unseen architecture could be
   * found within the retry budget, i.e. the space is (nearly) exhausted.
   */
  ask(n: number): Proposal<G>[];
  /** Results of earlier proposals, in any order; unknown keys are an error. */
  tell(results: readonly Result[]): void;
  /** Everything needed to resume, as JSON. */
  state(): unknown;
  /**
   * A predictor-guided strategy's own forecast of a proposal's fitness, made before it was
   * evaluated (undefined for proposals it did not predict, and after their results are told).
   * The run stores it beside what was measured, as the metric `predicted`.
   */
  predicted?(key: string): number | undefined;
}

export const isFailure = (r: Result): r is { key: string; error: string } => 'error' in r;
