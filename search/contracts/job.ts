/**
 * An evaluation job: plain JSON, so that a job crosses worker threads, child processes and a
 * distributed queue unchanged, and a worker needs nothing but the job to run it.
 */
import type { Genotype } from '../space/types.ts';
import type { ProxyBudget } from './budget.ts';
import type { LatencySpec } from './latency-spec.ts';
import type { RunTask } from './task.ts';

export interface EvalJob {
  runId: number;
  candidateId: number;
  key: string;
  /** The space definition as parsed JSON (the worker rebuilds the Space from it). */
  spaceDef: unknown;
  genotype: Genotype;
  task: RunTask;
  dataset: string;
  budget: ProxyBudget;
  latency: LatencySpec;
  seed: number;
  /** Backend the worker must use (the run's), or undefined for the fastest present. */
  backend?: string;
}
