/**
 * Latency of a forward pass at batch 1: warm-up runs, then the median and interquartile range
 * of repeated runs, each timed up to its result being read back (so asynchronous backends are
 * timed in full). Held under the latency lock's exclusive side when one is given.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng.ts';
import type { LatencyLock } from './lock.ts';

export interface LatencyMeasurement {
  medianMs: number;
  iqrMs: number;
  samplesMs: number[];
}

export interface MeasureOptions { warmup: number; repeats: number; lock?: LatencyLock }

/** Quantile by linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarise(samplesMs: number[]): LatencyMeasurement {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: quantile(s, 0.5), iqrMs: quantile(s, 0.75) - quantile(s, 0.25), samplesMs };
}

/** Seeded input values: timings do not depend on them, but zeros could take fast paths. */
export function randomInput(shape: number[], seed = 0): tf.Tensor {
  const rng = createRng(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return tf.tensor(v, shape);
}

/** Times `run(inputs)` (which must return a new tensor) on the given inputs. */
export async function measureForward(run: (inputs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], opts: MeasureOptions): Promise<LatencyMeasurement> {
  if (!(opts.repeats >= 1)) throw new Error(`latency repeats must be at least 1, got ${opts.repeats}`);
  const once = (): number => {
    const t0 = performance.now();
    const y = tf.tidy(() => run(inputs));
    y.dataSync();
    const ms = performance.now() - t0;
    y.dispose();
    return ms;
  };
  const body = (): LatencyMeasurement => {
    for (let i = 0; i < opts.warmup; i++) once();
    return summarise(Array.from({ length: opts.repeats }, once));
  };
  return opts.lock ? opts.lock.exclusive(body) : body();
}
