/**
 * How a task ended: a result or a failure that says what kind it was, because the search treats
 * them differently (a crash or a silent worker is retried, an error in the job is not).
 */
import type { EvalResult } from './result.ts';

export interface TensorCount {
  before: number;
  after: number;
}

/**
 * error: the job threw; usage: the user's input is wrong (stops the search); timeout: over its
 * time limit; oom: over the worker's memory limit; crash: the worker died; stale: the worker
 * stopped showing signs of life; aborted: the search stopped it (Ctrl-C).
 */
export type FailureKind = 'error' | 'usage' | 'timeout' | 'oom' | 'crash' | 'stale' | 'aborted';

export type Outcome =
  | { ok: true; result: EvalResult; tensors: TensorCount | null }
  | { ok: false; kind: FailureKind; error: string; stack?: string };
