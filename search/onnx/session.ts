/** Running ONNX models in onnxruntime-node (CPU), under the conditions every latency in a run is taken under. */
import * as ort from 'onnxruntime-node';
import { ONNX_INPUT, ONNX_OUTPUT } from './export.ts';

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
