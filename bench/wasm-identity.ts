/**
 * `node --import tsx bench/wasm-identity.ts [--batch 64] [--rounds 3]`
 *
 * What the shared Identity kernel (backend/wasm-kernels.ts) saves: two DARTS sessions from one seed
 * (darts-fmnist-small, K=4, first order, in this thread) step the same batches in turns, one with a
 * copying Identity (what tfjs-backend-wasm 4.22 registers: a memcpy per clone) and one with the
 * shared one. Prints each round's CPU ms per step (architecture half then weight half) for both, the
 * medians after a warm-up round, the Identity calls per step, and whether the two sessions end with
 * the same weights, alphas and batch-norm statistics bit for bit (they must: a clone's values are
 * its input's either way).
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData, disposeBatch } from '../search/strategies/darts/data.ts';
import { localSteps } from '../search/strategies/darts/parallel.ts';
import { createDartsSession, withLatencySites, type DartsSession } from '../search/strategies/darts/session.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { variablesDigest } from '../search/train/data-parallel/digest.ts';

const { values: args } = parseArgs({ options: { batch: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' } } });
const batch = Number(args.batch), rounds = Number(args.rounds);
const load0 = loadavg();
const backend = await initBackend();
if (backend.name !== 'wasm') throw new Error(`wasm-identity: the backend is ${backend.name}; this compares wasm kernels`);

interface Heap { typedArrayFromHeap(t: tf.TensorInfo): Float32Array; makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo }
/** tfjs-backend-wasm's own Identity: a new buffer and a copy. */
const copying: tf.KernelConfig = { kernelName: 'Identity', backendName: 'wasm', kernelFunc: ({ inputs, backend: b }) => {
  const x = inputs.x as tf.TensorInfo, h = b as unknown as Heap;
  const out = h.makeOutput(x.shape, x.dtype);
  h.typedArrayFromHeap(out).set(h.typedArrayFromHeap(x));
  return out;
} };
const shared = tf.getKernel('Identity', 'wasm')!;
let identities = 0;
const use = (k: tf.KernelConfig): void => {
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...k, kernelFunc: (a) => { identities++; return k.kernelFunc(a); } });
};

const space = loadCellSpace('darts-fmnist-small');
const c = dartsConfig({ space: 'darts-fmnist-small', partialChannels: 4, batchSize: batch, trainImages: batch * (rounds + 1), valImages: batch * (rounds + 1), augment: false });
const opLatency = withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((s) => [s.key, 1])));
const ds = loadDartsData(c, 'classification');
const settings = [{ name: 'copying Identity', kernel: copying }, { name: 'shared Identity', kernel: shared }].map((s) => {
  const session = createDartsSession(space, c, opLatency);
  return { ...s, session, steps: localSteps(session, c), cpuMs: [] as number[], calls: 0 };
});
const train = ds.batches('train', 0), val = ds.batches('val', 0);
for (let r = 0; r <= rounds; r++) {
  const t = train.next(), v = val.next();
  const a = { epoch: 0, step: r, totalSteps: rounds + 1, lr: c.learningRate, multiplier: 0 };
  for (const s of settings) {
    use(s.kernel);
    identities = 0;
    const c0 = process.cpuUsage();
    await s.steps.step(v, t, a);
    const u = process.cpuUsage(c0);
    if (r > 0) s.cpuMs.push((u.user + u.system) / 1000);
    s.calls = identities;
  }
  disposeBatch(t);
  disposeBatch(v);
}
tf.unregisterKernel('Identity', 'wasm');
tf.registerKernel(shared);
const digest = (s: DartsSession): string => variablesDigest([...s.weights.map((w) => w.variable), ...s.arch.named.map((x) => x.variable), ...s.net.buffers().map((b) => b.variable)]);
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`# wasm-identity: darts-fmnist-small, batch ${batch}, K=4, first-order step in this thread, ${rounds} rounds after a warm-up; load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| Identity | CPU ms/step (median) | each round | Identity calls/step |');
console.log('| --- | ---: | --- | ---: |');
for (const s of settings) console.log(`| ${s.name} | ${Math.round(median(s.cpuMs))} | ${s.cpuMs.map(Math.round).join(', ')} | ${s.calls} |`);
const [x, y] = settings.map((s) => digest(s.session));
console.log(`shared / copying CPU: ${(median(settings[1].cpuMs) / median(settings[0].cpuMs)).toFixed(3)}; final state ${x === y ? 'identical' : 'DIFFERENT'} (${x}, ${y})`);
for (const s of settings) s.session.dispose();
