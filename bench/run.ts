/**
 * `npm run bench [-- --backend NAME] [--profile] [--no-torch]`: times the yardstick nets R1 and R2
 * (shared/bench/REFERENCE_NETS.md) on the chosen TensorFlow.js backend, runs the PyTorch
 * reference in the same run when present, and prints JSON lines plus the ratios. A line per net
 * gives its parameter count next to the PyTorch reference's (a mismatch is reported on stderr).
 * --profile also prints where a training step spends its time, per kernel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { createRng } from '../search/util/rng.ts';
import { buildR1, buildR2, type BenchNet } from './nets.ts';

const WARMUP = 3, STEPS = 20;
const torchRef = fileURLToPath(new URL('../../shared/bench/torch_ref.py', import.meta.url));
const python = '/usr/bin/python3';

interface Timing { net: string; backend: string; threads: number; train_ms: number; infer_ms: number }

function batch(net: BenchNet): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const rng = createRng(1);
  const [n] = net.inputShape;
  const size = net.inputShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(size).map(() => rng.normal());
  const ys = Int32Array.from({ length: n }, () => rng.int(10));
  return { x: tf.tensor4d(xs, net.inputShape), labels: tf.oneHot(tf.tensor1d(ys, 'int32'), 10) as tf.Tensor2D };
}

function trainStep(net: BenchNet, opt: tf.Optimizer, x: tf.Tensor4D, labels: tf.Tensor2D): void {
  const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x, true)) as tf.Scalar,
    true, net.variables);
  loss?.dataSync();
  loss?.dispose();
}

function inferStep(net: BenchNet, x: tf.Tensor4D): void {
  const y = tf.tidy(() => net.forward(x, false));
  y.dataSync();
  y.dispose();
}

function meanMs(f: () => void): number {
  for (let i = 0; i < WARMUP; i++) f();
  const t = performance.now();
  for (let i = 0; i < STEPS; i++) f();
  return (performance.now() - t) / STEPS;
}

async function profileTrain(net: BenchNet, opt: tf.Optimizer, x: tf.Tensor4D, labels: tf.Tensor2D): Promise<void> {
  const info = await tf.profile(() => trainStep(net, opt, x, labels));
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const key = process.env.BENCH_PROFILE_SHAPES ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byKernel.set(key, e);
  }
  const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)
    .map(([name, e]) => ({ name, ms: +e.ms.toFixed(2), calls: e.calls }));
  console.log(JSON.stringify({ profile: net.name, kernels: rows }));
}

async function timeNet(net: BenchNet, backend: string, threads: number, profile: boolean): Promise<Timing> {
  const { x, labels } = batch(net);
  const opt = tf.train.adam(1e-3);
  const train_ms = meanMs(() => trainStep(net, opt, x, labels));
  if (profile) await profileTrain(net, opt, x, labels);
  const infer_ms = meanMs(() => inferStep(net, x));
  opt.dispose();
  tf.dispose([x, labels]);
  net.dispose();
  return { net: net.name, backend, threads, train_ms: +train_ms.toFixed(2), infer_ms: +infer_ms.toFixed(2) };
}

/** Trainable parameters of the PyTorch reference nets, to check ours build the same networks. */
function torchParams(): Record<string, number> | undefined {
  if (!existsSync(torchRef) || !existsSync(python)) return undefined;
  const code = 'import json, sys; sys.path.insert(0, sys.argv[1]); import torch_ref as t; '
    + 'print(json.dumps({n: sum(p.numel() for p in f()[0].parameters()) for n, f in (("R1", t.r1), ("R2", t.r2))}))';
  const r = spawnSync(python, ['-c', code, dirname(torchRef)], { encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

function runTorch(): Array<Omit<Timing, 'backend'>> {
  if (!existsSync(torchRef) || !existsSync(python)) return [];
  const r = spawnSync(python, [torchRef, '1'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench: PyTorch reference failed (${torchRef}):\n${r.stderr}`);
    return [];
  }
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    backend: { type: 'string' }, profile: { type: 'boolean', default: false }, 'no-torch': { type: 'boolean', default: false },
  } });
  const info = await initBackend({ backend: values.backend });
  const ours: Timing[] = [];
  const refParams = values['no-torch'] ? undefined : torchParams();
  for (const build of [buildR1, buildR2]) {
    const net = build(createRng(0));
    const torchCount = refParams?.[net.name];
    if (torchCount !== undefined && torchCount !== net.paramCount) {
      console.error(`bench: ${net.name} has ${net.paramCount} parameters, the PyTorch reference ${torchCount}: not the same network`);
    }
    console.log(JSON.stringify({ net: net.name, params: net.paramCount, ...(torchCount !== undefined ? { torch_params: torchCount } : {}) }));
    const t = await timeNet(net, info.name, info.threads, values.profile);
    ours.push(t);
    console.log(JSON.stringify(t));
  }
  const torch = values['no-torch'] ? [] : runTorch();
  for (const t of torch) console.log(JSON.stringify({ ...t, backend: 'pytorch' }));
  for (const o of ours) {
    const ref = torch.find((t) => t.net === o.net && t.threads === o.threads);
    if (!ref) continue;
    console.log(JSON.stringify({ net: o.net, backend: o.backend, threads: o.threads,
      train_ratio_vs_torch: +(o.train_ms / ref.train_ms).toFixed(2), infer_ratio_vs_torch: +(o.infer_ms / ref.infer_ms).toFixed(2) }));
  }
}

await main();
