/**
 * `node --import tsx bench/max-pool-grad.ts [--batch 64] [--rounds 5]`
 *
 * What MaxPoolGrad costs in a DARTS supernet step: the simultaneous first-order step of
 * darts-fmnist-small (K=4, wasm backend, in this thread; `--update simultaneous`, whose halves
 * `--data-parallel 2` runs one per worker), with whatever MaxPoolGrad kernel the checkout registers
 * wrapped so as to time each call's CPU. Prints, per pool shape, the calls per step and the CPU ms
 * per step in the architecture and the weight half, then each half's CPU and the kernel's part of
 * it (medians of the rounds after a warm-up). Run in two checkouts back to back to compare two
 * kernels (bench/data/darts-parallel.md).
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData, disposeBatch } from '../search/strategies/darts/data.ts';
import { localSteps } from '../search/strategies/darts/parallel.ts';
import { createDartsSession, withLatencySites } from '../search/strategies/darts/session.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';

const { values: args } = parseArgs({ options: { batch: { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' } } });
const batch = Number(args.batch), rounds = Number(args.rounds);
if (!(batch > 0 && rounds > 0)) throw new Error(`--batch and --rounds must be positive, got ${args.batch} and ${args.rounds}`);
const load0 = loadavg();
const backend = await initBackend();
if (backend.name !== 'wasm') throw new Error(`max-pool-grad: the backend is ${backend.name}; this times the wasm kernel`);

const kernel = tf.getKernel('MaxPoolGrad', 'wasm')!;
type Half = 'arch' | 'weight';
let half: Half = 'arch';
/** CPU ms and calls of this round, by half and pool shape. */
let round = new Map<string, { calls: number; ms: number }>();
tf.unregisterKernel('MaxPoolGrad', 'wasm');
tf.registerKernel({ ...kernel, kernelFunc: (a) => {
  const c0 = process.cpuUsage();
  const out = kernel.kernelFunc(a);
  const u = process.cpuUsage(c0);
  const { filterSize, strides, pad } = a.attrs as { filterSize: unknown; strides: unknown; pad: unknown };
  const key = `${half} [${(a.inputs as { input: tf.TensorInfo }).input.shape}] ${filterSize} / ${strides} / ${JSON.stringify(pad)}`;
  const e = round.get(key) ?? { calls: 0, ms: 0 };
  e.calls++;
  e.ms += (u.user + u.system) / 1000;
  round.set(key, e);
  return out;
} });

const space = loadCellSpace('darts-fmnist-small');
const c = dartsConfig({ space: 'darts-fmnist-small', partialChannels: 4, batchSize: batch, trainImages: batch * (rounds + 1), valImages: batch * (rounds + 1), augment: false });
const opLatency = withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((s) => [s.key, 1])));
const ds = loadDartsData(c, 'classification');
const session = createDartsSession(space, c, opLatency);
// localSteps calls the session's methods by name: wrapping them marks and times each half.
const halfMs: Record<Half, number> = { arch: 0, weight: 0 };
const marked = <A extends unknown[], R>(h: Half, f: (...args: A) => R) => (...args: A): R => {
  half = h;
  const c0 = process.cpuUsage();
  try { return f(...args); } finally {
    const u = process.cpuUsage(c0);
    halfMs[h] = (u.user + u.system) / 1000;
  }
};
session.archGradients = marked('arch', session.archGradients);
session.weightGradients = marked('weight', session.weightGradients);
const steps = localSteps(session, { ...c, update: 'simultaneous' });
const train = ds.batches('train', 0), val = ds.batches('val', 0);
const stepMs: number[] = [];
const halves = { arch: { ms: [] as number[], poolMs: [] as number[] }, weight: { ms: [] as number[], poolMs: [] as number[] } };
const byShape = new Map<string, { calls: number; ms: number[] }>();
for (let r = 0; r <= rounds; r++) {
  const t = train.next(), v = val.next();
  round = new Map();
  const c0 = process.cpuUsage();
  await steps.step(v, t, { epoch: 0, step: r, totalSteps: rounds + 1, lr: c.learningRate, multiplier: 0 });
  const u = process.cpuUsage(c0);
  if (r > 0) {
    stepMs.push((u.user + u.system) / 1000);
    for (const h of ['arch', 'weight'] as const) {
      halves[h].ms.push(halfMs[h]);
      halves[h].poolMs.push([...round].filter(([k]) => k.startsWith(h)).reduce((s, [, e]) => s + e.ms, 0));
    }
    for (const [k, e] of round) {
      const s = byShape.get(k) ?? { calls: e.calls, ms: [] };
      s.ms.push(e.ms);
      byShape.set(k, s);
    }
  }
  disposeBatch(t);
  disposeBatch(v);
}
session.dispose();
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const each = (xs: number[]): string => xs.map(Math.round).join(', ');
console.log(`# max-pool-grad: darts-fmnist-small, batch ${batch}, K=4, simultaneous first-order step in this thread, ${rounds} rounds after a warm-up; load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| half, input shape, filter / stride / pad | calls/step | CPU ms/step (median) |');
console.log('| --- | ---: | ---: |');
for (const [k, s] of [...byShape].sort(([p], [q]) => p.localeCompare(q))) console.log(`| ${k} | ${s.calls} | ${median(s.ms).toFixed(1)} |`);
for (const h of ['arch', 'weight'] as const) {
  const { ms, poolMs } = halves[h];
  console.log(`${h} half: ${Math.round(median(ms))} CPU ms a step (each round: ${each(ms)}), of which MaxPoolGrad ${median(poolMs).toFixed(1)} (each round: ${each(poolMs)})`);
}
console.log(`step: ${Math.round(median(stepMs))} CPU ms (each round: ${each(stepMs)})`);
