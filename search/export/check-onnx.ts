/** Checks an exported ONNX model against the network it came from, on a seeded random batch. */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../nn/network.ts';
import { createRng } from '../util/rng.ts';
import { openOnnxSession, runOnnx } from '../onnx/session.ts';

export interface OnnxCheck { maxAbsDiff: number; maxAbsOutput: number }

/** Max abs difference between onnxruntime and tfjs (inference mode) outputs on a batch of `batch` N(0,1) images. */
export async function compareOnnx(model: Uint8Array, net: Network, o: { batch?: number; seed?: number } = {}): Promise<OnnxCheck> {
  const shape = [o.batch ?? 2, ...net.config.inShape];
  const rng = createRng(o.seed ?? 0);
  const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const expected = tf.tidy(() => net.forward(tf.tensor(x, shape), false).dataSync());
  const session = await openOnnxSession(model);
  try {
    const { data } = await runOnnx(session, x, shape);
    if (data.length !== expected.length) throw new Error(`onnx check: onnxruntime gave ${data.length} outputs, tfjs ${expected.length}`);
    let maxAbsDiff = 0, maxAbsOutput = 0;
    for (let i = 0; i < data.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[i] - expected[i]));
      maxAbsOutput = Math.max(maxAbsOutput, Math.abs(expected[i]));
    }
    return { maxAbsDiff, maxAbsOutput };
  } finally {
    await session.release();
  }
}
