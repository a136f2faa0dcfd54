/**
 * Two worker_threads each load the wasm backend with our kernels and train a tiny conv net at
 * the same time (tfjs issue 8388 reports failures from the second worker on). This file is
 * also the workers' entry.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';

interface Report { backend: string; losses: number[] }

async function trainTinyNet(seed: number): Promise<Report> {
  const info = await initBackend({ backend: 'wasm' });
  const rng = createRng(seed);
  const rand = (shape: number[], scale: number) =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale), shape);
  const conv = tf.variable(rand([3, 3, 2, 8], 0.3)), dw = tf.variable(rand([3, 3, 8, 1], 0.3));
  const fc = tf.variable(rand([8, 3], 0.3));
  const x = rand([4, 8, 8, 2], 1) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
  const opt = tf.train.adam(1e-2);
  const losses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const loss = opt.minimize(() => {
      let h = tf.relu(tf.conv2d(x, conv as tf.Tensor4D, 1, 'same'));
      h = tf.relu(tf.depthwiseConv2d(h, dw as tf.Tensor4D, 2, 'same'));
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.mean(h, [1, 2]), fc)) as tf.Scalar;
    }, true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  return { backend: info.name, losses };
}

if (!isMainThread) {
  parentPort!.postMessage(await trainTinyNet(workerData as number));
} else {
  test('two worker threads train a conv net on wasm concurrently', async () => {
    const run = (seed: number) => new Promise<Report>((resolve, reject) => {
      // On Node 20 a worker does not load a .ts entry even with `--import tsx` in its execArgv
      // ("Unknown file extension"): register tsx in a small JS entry, then import this file.
      const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const w = new Worker(entry, { eval: true, workerData: seed });
      w.once('message', (m: Report) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
      w.once('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`)); });
    });
    const reports = await Promise.all([run(1), run(2)]);
    for (const r of reports) {
      assert.equal(r.backend, 'wasm');
      assert.ok(r.losses.every(Number.isFinite), `losses ${r.losses}`);
      assert.ok(r.losses.at(-1)! < r.losses[0], `loss did not fall: ${r.losses}`);
    }
    assert.notDeepEqual(reports[0].losses, reports[1].losses, 'the two workers should train different nets');
  });
}
