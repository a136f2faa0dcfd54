/**
 * Where a network's latency is measured. `tfjs` runs it on the active TensorFlow.js backend;
 * other runtimes (onnxruntime, from search/export/) register themselves here.
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

const runtimes = new Map<string, LatencyRuntime>([[tfjsRuntime.name, tfjsRuntime]]);

export function registerLatencyRuntime(rt: LatencyRuntime): void {
  runtimes.set(rt.name, rt);
}

export function latencyRuntime(name: string): LatencyRuntime {
  const rt = runtimes.get(name);
  if (!rt) throw new Error(`no latency runtime '${name}' is registered (known: ${[...runtimes.keys()].join(', ')}); see search/latency/runtimes.ts`);
  return rt;
}
