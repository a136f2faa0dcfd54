/**
 * Running exported models in onnxruntime-node (CPU): inference on a batch, and latency as the
 * latency module measures it (batch 1, one intra-op thread, warm-up, then median and IQR).
 */
import * as ort from 'onnxruntime-node';
import type { Shape } from '../../nn/module.ts';
import type { Network } from '../../nn/network.ts';
import { createRng } from '../../util/rng.ts';
import { summarise, type LatencyMeasurement, type MeasureOptions } from '../../latency/measure.ts';
import type { LatencyRuntime } from '../../latency/runtimes.ts';
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

/**
 * Latency on onnxruntime: the network is exported to ONNX at `inShape` ([h, w, c]) and
 * single-image inference is timed while the latency lock is held exclusive.
 */
export const onnxRuntime: LatencyRuntime = {
  name: 'onnxruntime',
  async measure(network: Network, inShape: Shape, o: MeasureOptions): Promise<LatencyMeasurement> {
    if (!(o.repeats >= 1)) throw new Error(`onnx latency: repeats must be at least 1, got ${o.repeats}`);
    const session = await openOnnxSession(exportOnnx(network, { inShape }));
    o.lock?.acquireExclusive();
    try {
      const rng = createRng(0);
      const x = Float32Array.from({ length: inShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
      const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', x, [1, ...inShape]) };
      for (let i = 0; i < o.warmup; i++) await session.run(feeds);
      const times: number[] = [];
      for (let i = 0; i < o.repeats; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t0);
      }
      return summarise(times);
    } finally {
      o.lock?.releaseExclusive();
      await session.release();
    }
  },
};
