/**
 * Running exported models in onnxruntime-node (CPU): inference on a batch, and latency as the
 * latency module measures it (batch 1, one intra-op thread, warm-up, then median and IQR).
 */
import * as ort from 'onnxruntime-node';
import type { Shape } from '../../nn/module.ts';
import type { Network } from '../../nn/network.ts';
import { createRng } from '../../util/rng.ts';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from './export.ts';

/** One thread, no inter-op parallelism: the conditions every latency in a run is taken under. */
export function openOnnxSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
}

/** Logits of an NHWC batch [n, h, w, c]. */
export async function runOnnx(session: ort.InferenceSession, x: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, shape) });
  const y = out[ONNX_OUTPUT];
  return { data: y.data as Float32Array, dims: [...y.dims] };
}

export interface LatencyMeasurement {
  medianMs: number;
  /** Interquartile range (q3 - q1) of the timed runs. */
  iqrMs: number;
  q1Ms: number;
  q3Ms: number;
  runs: number;
  runtime: 'onnxruntime';
}

export interface LatencyOptions {
  warmup: number;
  repeats: number;
  /** Seeds the random input (values do not change the time, but a run stays reproducible). */
  seed?: number;
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Exports `network` to ONNX at `inShape` ([h, w, c]) and times single-image inference in
 * onnxruntime. The caller serialises measurements (the latency lock): nothing else should run.
 */
export async function measureOnnxLatency(network: Network, inShape: Shape, o: LatencyOptions): Promise<LatencyMeasurement> {
  if (!(o.repeats >= 1)) throw new Error(`onnx latency: repeats must be at least 1, got ${o.repeats}`);
  const session = await openOnnxSession(exportOnnx(network, { inShape }));
  try {
    const rng = createRng(o.seed ?? 0);
    const x = Float32Array.from({ length: inShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', x, [1, ...inShape]) };
    for (let i = 0; i < o.warmup; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < o.repeats; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const q1Ms = quantile(times, 0.25);
    const q3Ms = quantile(times, 0.75);
    return { medianMs: quantile(times, 0.5), iqrMs: q3Ms - q1Ms, q1Ms, q3Ms, runs: o.repeats, runtime: 'onnxruntime' };
  } finally {
    await session.release();
  }
}
