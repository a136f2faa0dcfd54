/** What an evaluator hands back for a job: plain JSON, like the job. */
import type { EpochRecord } from './epoch.ts';
import type { MetricValues } from './metrics.ts';

export interface EvalResult {
  /**
   * What the evaluation measured, under the metric registry's names (contracts/metrics.ts): an
   * evaluator reports what it measures (mIoU as miou, never as accuracy) and leaves out what it
   * does not; the store keeps them all.
   */
  metrics: MetricValues;
  epochs: EpochRecord[];
  backend: string;
  worker: string;
  /** Evaluator-specific data kept with the candidate (its `extra` JSON), e.g. a segmentation preview. */
  extra?: Record<string, unknown>;
}
