/**
 * Latency on onnxruntime-node (CPU), measured as the tfjs runtime measures it (batch 1, one
 * intra-op thread, warm-up, then median and IQR).
 */
import * as ort from 'onnxruntime-node';
import type { Shape } from '../nn/module.ts';
import type { Network } from '../nn/network.ts';
import { exportOnnx, ONNX_INPUT } from '../onnx/export.ts';
import { openOnnxSession } from '../onnx/session.ts';
import { createRng } from '../util/rng.ts';
import { summarise, type LatencyMeasurement, type MeasureOptions } from './measure.ts';
import type { LatencyRuntime } from './runtimes.ts';

/**
 * The network is exported to ONNX at `inShape` ([h, w, c]) and single-image inference is timed
 * while the latency lock is held exclusive.
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
