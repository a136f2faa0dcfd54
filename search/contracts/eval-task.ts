/**
 * What an executor runs: an evaluation job plus the evaluator that answers it, both plain JSON.
 */
import type { TableColumns } from '../evaluate/table.ts';
import type { EvalJob } from './job.ts';

export type EvaluatorSpec =
  /** Train from scratch on the job's proxy budget (search/evaluate/proxy.ts). */
  | { kind: 'proxy' }
  /**
   * Look the architecture up in a benchmark table. `delayMs` makes each lookup cost that much
   * wall time, to exercise parallel and interrupted searches at table speed.
   */
  | { kind: 'table'; path: string; columns: TableColumns; delayMs?: number };

export interface EvalTask {
  job: EvalJob;
  evaluator: EvaluatorSpec;
}
