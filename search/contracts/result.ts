/** What an evaluator hands back for a job: plain JSON, like the job. */
import type { EpochRecord } from './epoch.ts';

export interface EvalResult {
  accuracy: number;
  latencyMs: number | null;
  /** Interquartile range of the repeated latency runs. */
  latencyIqrMs: number | null;
  params: number;
  flops: number;
  trainSeconds: number;
  epochs: EpochRecord[];
  backend: string;
  worker: string;
  /** Evaluator-specific data kept with the candidate (its `extra` JSON), e.g. a segmentation preview. */
  extra?: Record<string, unknown>;
}
