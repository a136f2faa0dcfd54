/**
 * An evaluation job and its result: plain JSON, so that a job crosses worker threads, child
 * processes and a distributed queue unchanged, and a worker needs nothing but the job to run it.
 */
import type { Genotype, Task } from '../space/types.ts';

export interface ProxyBudget {
  /** Epochs of training from scratch. */
  epochs: number;
  /** Training images used (a seeded, class-stratified subset of the train split). */
  trainImages: number;
  /** Validation images the accuracy is measured on. */
  valImages: number;
  batchSize: number;
  learningRate: number;
}

export interface LatencySpec {
  /** Where latency comes from: measured on TF.js, on onnxruntime, looked up in a table, or not at all. */
  runtime: 'tfjs' | 'onnxruntime' | 'lut' | 'none';
  warmup: number;
  repeats: number;
  /** Path of a per-operation lookup table, for runtime 'lut'. */
  lutPath?: string;
}

export interface EvalJob {
  runId: number;
  candidateId: number;
  key: string;
  /** The space definition as parsed JSON (the worker rebuilds the Space from it). */
  spaceDef: unknown;
  genotype: Genotype;
  task: Task;
  dataset: string;
  budget: ProxyBudget;
  latency: LatencySpec;
  seed: number;
  /** Backend the worker must use (the run's), or undefined for the fastest present. */
  backend?: string;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

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
