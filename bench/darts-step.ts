/**
 * `node --import tsx bench/darts-step.ts [--space darts-fmnist-small] [--batches 16,64] [--k 1,2,4] [--steps 4]`
 *
 * Time and memory of one first-order DARTS search step (architecture step on one batch, then
 * weight step on another) per batch size and partial-channel K (1 = plain DARTS, K > 1 = PC-DARTS
 * with edge normalisation), on the default backend. Each setting runs in a fresh process, so that
 * its wasm heap (which grows and never shrinks) is its own: `heapMB` is that heap after the steps,
 * `peakMB` the largest tf.js tensor memory within a step (tf.profile's peakBytes), `ms` the median
 * wall time of a step after one warm-up step and `cpuMs` its CPU time (user + system: the wasm
 * backend runs on one thread, so on a machine shared with other jobs this is the better estimate
 * of the wall time it would take alone). A setting that runs out of memory prints `oom`. Prints a table,
 * then the JSON lines. The machine is shared: compare figures from one run only.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import { createBatcher } from '../search/data/batches.ts';
import { buildSupernet } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { createArchParams } from '../search/strategies/darts/arch.ts';
import { archStepFirstOrder, createArchOptimizer, weightStep } from '../search/strategies/darts/bilevel.ts';
import { classificationTensors } from '../search/train/labels.ts';
import { createStepper } from '../search/train/optimizer.ts';
import { createRng } from '../search/util/rng.ts';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string', default: 'darts-fmnist-small' }, batches: { type: 'string', default: '16,64' },
    k: { type: 'string', default: '1,2,4' }, steps: { type: 'string', default: '4' }, one: { type: 'string' },
  },
});

interface Row { batch: number; k: number; ms?: number; cpuMs?: number; peakMB?: number; heapMB?: number; params?: number; error?: string }

async function measure(batch: number, k: number, steps: number): Promise<Row> {
  const backend = await initBackend();
  const space = loadSpace(resolveSpacePath(args.space!)) as CellSpace;
  const ds = loadDataset('fashion-mnist', { subset: { train: batch * (steps + 1), val: batch * (steps + 1), test: 0 } });
  const net = buildSupernet(space, { rng: createRng(0), edges: { partialChannels: k } });
  const arch = createArchParams(space.def.cell.ops, space.def.cell.nodes, createRng(1), { edgeNormalization: k > 1 });
  const weights = net.variables();
  const stepper = createStepper(weights, { kind: 'momentum', learningRate: 0.025, momentum: 0.9, weightDecay: 3e-4, clipNorm: 5 });
  const opt = createArchOptimizer(arch, { learningRate: 3e-4, weightDecay: 1e-3 });
  const batcher = (split: 'train' | 'val') => createBatcher(ds[split], ds.shape, { batchSize: batch, seed: 0, mean: ds.mean, std: ds.std });
  const tb = batcher('train'), vb = batcher('val');
  const ms: number[] = [], cpu: number[] = [];
  let peak = 0;
  for (let i = 0; i <= steps; i++) {
    const t = classificationTensors(tb.next(), ds.shape, ds.numClasses), v = classificationTensors(vb.next(), ds.shape, ds.numClasses);
    const t0 = performance.now(), c0 = process.cpuUsage();
    const info = await tf.profile(() => {
      archStepFirstOrder(net, arch, v, (ce) => tf.clone(ce), opt);
      weightStep(net, weights, arch, t, stepper, 0.025);
    });
    if (i > 0) { ms.push(performance.now() - t0); const c = process.cpuUsage(c0); cpu.push((c.user + c.system) / 1000); }
    peak = Math.max(peak, info.peakBytes);
    tf.dispose([t.x, t.y, v.x, v.y]);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPF32: Float32Array } }).wasm;
  const row: Row = {
    batch, k, ms: Math.round(ms[Math.floor(ms.length / 2)]), cpuMs: Math.round(cpu[Math.floor(cpu.length / 2)]), peakMB: Math.round(peak / 2 ** 20), params: net.paramCount(),
    heapMB: wasm ? Math.round(wasm.HEAPF32.buffer.byteLength / 2 ** 20) : undefined,
  };
  void backend;
  return row;
}

if (args.one) {
  const [batch, k, steps] = args.one.split(',').map(Number);
  try {
    console.log(JSON.stringify(await measure(batch, k, steps)));
  } catch (err) {
    const msg = (err as Error).message;
    console.log(JSON.stringify({ batch, k, error: msg.slice(0, 120) }));
  }
} else {
  const rows: Row[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const batch of args.batches!.split(',').map(Number)) {
    for (const k of args.k!.split(',').map(Number)) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--space', args.space!, '--one', `${batch},${k},${args.steps}`], { encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      rows.push(line ? JSON.parse(line) as Row : { batch, k, error: r.status === null ? `killed (${r.signal})` : (r.stderr.trim().split('\n').at(-1) ?? 'failed').slice(0, 120) });
    }
  }
  console.log(`# darts-step: ${args.space}, first-order search step (arch + weight), median of ${args.steps} after a warm-up; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| batch | K | wall ms/step | CPU ms/step | CPU ms/image | peak tensor MB | wasm heap MB | supernet params |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(r.error ? `| ${r.batch} | ${r.k} | ${r.error} | | | | | |`
      : `| ${r.batch} | ${r.k} | ${r.ms} | ${r.cpuMs} | ${(r.cpuMs! / r.batch).toFixed(1)} | ${r.peakMB} | ${r.heapMB ?? '-'} | ${r.params} |`);
  }
  for (const r of rows) console.log(JSON.stringify(r));
}
