/**
 * What an executor runs: an evaluation job plus the evaluator that answers it, both plain JSON.
 * The executor only carries the evaluator's spec; search/evaluate/registry.ts knows the kinds
 * and checks their options.
 */
import type { EvalJob } from './job.ts';

export interface EvaluatorSpec {
  /** The evaluator's name in the registry: 'proxy', 'table', ... */
  kind: string;
  [option: string]: unknown;
}

export interface EvalTask {
  job: EvalJob;
  evaluator: EvaluatorSpec;
}
