/**
 * What every evaluator is: the zod schema of its spec (the options a run records and a job
 * carries, `kind` naming the evaluator) and the function that turns a job into a result.
 * registry.ts lists them; the executor runs whichever one a job names.
 */
import type { z } from 'zod';
import type { EpochRecord } from '../contracts/epoch.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import type { LatencyLock } from '../latency/lock.ts';
import type { StepInfo } from '../train/loop.ts';

export interface EvalContext {
  /** The executor's shared latency lock (one SharedArrayBuffer for all workers). */
  lock?: LatencyLock;
  /** Worker name recorded in the result; default pid and thread. */
  worker?: string;
  /** Called on every training step: the pool's sign of life, since steps do not let timers run. */
  onStep?: (info: StepInfo) => void;
  /** A sign of life between batches of work that is not training (scoring, calibration). */
  beat?: () => void;
  onEpoch?: (record: EpochRecord) => void;
  signal?: AbortSignal;
}

/** A spec schema: an object whose `kind` is the evaluator's name. */
export type SpecSchema = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape>;

export interface Evaluator<S extends SpecSchema = SpecSchema> {
  readonly spec: S;
  /**
   * It builds networks on TF.js: the executor selects the job's backend before it runs and
   * counts tensors around it, so that a leak shows in the outcome.
   */
  readonly usesTf: boolean;
  evaluate(job: EvalJob, spec: z.infer<S>, ctx: EvalContext): Promise<EvalResult>;
  /**
   * Loads what the evaluator keeps between jobs (a supernet), before the executor counts tensors
   * around `evaluate`: what it keeps is not a leak of the first job.
   */
  prepare?(job: EvalJob, spec: z.infer<S>): Promise<void>;
  /**
   * Where latency comes from when the evaluator decides it rather than the job's latency spec
   * (a benchmark table's column), for the run's record; undefined when the job's spec decides.
   */
  latencyNote?(spec: z.infer<S>): string;
}
