/**
 * Where a network's latency is measured. `tfjs` runs it on the active TensorFlow.js backend;
 * onnxruntime runs the network exported to ONNX (search/onnx/).
 */
import type { Network } from '../nn/network.ts';
import type { Shape } from '../nn/module.ts';
import { measureForward, randomInput, type LatencyMeasurement, type MeasureOptions } from './measure.ts';

export interface LatencyRuntime {
  name: string;
  /** Latency of `net` at batch 1 on input shape `inShape` (per image, [h, w, c]). */
  measure(net: Network, inShape: Shape, opts: MeasureOptions): Promise<LatencyMeasurement>;
}

export const tfjsRuntime: LatencyRuntime = {
  name: 'tfjs',
  async measure(net, inShape, opts) {
    const x = randomInput([1, ...inShape]);
    try {
      return await measureForward(([input]) => net.forward(input, false), [x], opts);
    } finally {
      x.dispose();
    }
  },
};

// onnxruntime-node is loaded only by runs that measure on it.
const runtimes: Record<string, () => Promise<LatencyRuntime>> = {
  tfjs: async () => tfjsRuntime,
  onnxruntime: async () => (await import('./onnx-runtime.ts')).onnxRuntime,
};

export async function latencyRuntime(name: string): Promise<LatencyRuntime> {
  const load = runtimes[name];
  if (!load) throw new Error(`no latency runtime '${name}' (known: ${Object.keys(runtimes).join(', ')})`);
  return load();
}
