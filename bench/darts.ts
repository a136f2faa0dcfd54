/**
 * `node --import tsx bench/darts.ts [--part steps|quick|sweep|remedy|all] [--epochs E] [--images N]`
 * DARTS figures on the default backend (wasm), as JSON lines:
 *   steps  — milliseconds per supernet step (weight step, first- and second-order architecture step)
 *            on the small Fashion-MNIST space at the default batch size;
 *   quick  — the default quick search: wall time, then the derived genotype and five random
 *            genotypes of similar size trained from scratch on the same proxy budget;
 *   sweep  — the derived architecture's measured latency as the latency weight grows (0, 1, 4);
 *   remedy — parameter-free edges of the derived normal cell per epoch, without and with beta-DARTS.
 * The machine is shared while these run: timings are noisy, note the load average printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import { buildNetwork, buildSupernet } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import type { CellGenotype } from '../search/space/types.ts';
import { openStore } from '../search/store/store.ts';
import { createArchParams } from '../search/strategies/darts/arch.ts';
import { archStepFirstOrder, archStepSecondOrder, createArchOptimizer, weightStep } from '../search/strategies/darts/bilevel.ts';
import { dartsConfig, type DartsConfig } from '../search/strategies/darts/config.ts';
import { detectCollapse } from '../search/strategies/darts/collapse.ts';
import { runDarts } from '../search/run/drivers/darts.ts';
import { measureSiteLatencies, supernetSites } from '../search/strategies/darts/latency.ts';
import { classificationTensors } from '../search/train/labels.ts';
import { trainNetwork } from '../search/train/loop.ts';
import { createStepper } from '../search/train/optimizer.ts';
import { createBatcher } from '../search/data/batches.ts';
import { createRng } from '../search/util/rng.ts';

const { values: args } = parseArgs({ options: { part: { type: 'string', default: 'all' }, epochs: { type: 'string' }, images: { type: 'string' }, randoms: { type: 'string', default: '5' } } });
const backend = await initBackend();
const print = (o: Record<string, unknown>): void => console.log(JSON.stringify({ ...o, backend: backend.name, load1: Number(loadavg()[0].toFixed(2)) }));
const space = loadSpace(resolveSpacePath('darts-fmnist-small')) as CellSpace;
const base = dartsConfig({
  proxy: null,
  ...(args.epochs ? { epochs: Number(args.epochs) } : {}),
  ...(args.images ? { trainImages: Number(args.images), valImages: Number(args.images) } : {}),
});
const PROXY = dartsConfig().proxy!;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function stepTimes(): void {
  const ds = loadDataset('fashion-mnist', { subset: { train: 64, val: 64, test: 0 } });
  const net = buildSupernet(space, { rng: createRng(0) });
  const arch = createArchParams(space.def.cell.ops, space.def.cell.nodes, createRng(1));
  const weights = net.variables();
  const stepper = createStepper(weights, { kind: 'momentum', learningRate: 0.025, weightDecay: 3e-4, clipNorm: 5 });
  const opt = createArchOptimizer(arch, { learningRate: 3e-4, weightDecay: 1e-3 });
  const batcher = (split: 'train' | 'val') => createBatcher(ds[split], ds.shape, { batchSize: base.batchSize, seed: 0, mean: ds.mean, std: ds.std });
  const tb = batcher('train'), vb = batcher('val');
  const archLoss = (ce: tf.Scalar): tf.Scalar => tf.clone(ce);
  const time = (f: (t: ReturnType<typeof classificationTensors>, v: ReturnType<typeof classificationTensors>) => void, n = 3): number => {
    const ms: number[] = [];
    for (let i = 0; i <= n; i++) {
      const t = classificationTensors(tb.next(), ds.shape, ds.numClasses), v = classificationTensors(vb.next(), ds.shape, ds.numClasses);
      const t0 = performance.now();
      f(t, v);
      if (i > 0) ms.push(performance.now() - t0); // the first run warms up
      tf.dispose([t.x, t.y, v.x, v.y]);
    }
    return median(ms);
  };
  const weight = time((t) => weightStep(net, weights, arch, t, stepper, 0.025));
  const first = time((_, v) => archStepFirstOrder(net, arch, v, archLoss, opt));
  const second = time((t, v) => archStepSecondOrder(net, weights, arch, t, v, archLoss, opt, { xi: 0.025, weightDecay: 3e-4 }), 2);
  print({ bench: 'darts-step', batch: base.batchSize, supernetParams: net.paramCount(), weightStepMs: weight, archStepFirstOrderMs: first, archStepSecondOrderMs: second, searchStepFirstOrderMs: weight + first });
  stepper.dispose(); opt.dispose(); net.dispose(); arch.dispose();
}

// One op-latency table for every search here, so that settings differ by their loss, not by measurement noise.
const opTable = (() => { const net = buildSupernet(space, { rng: createRng(0) }); const t = measureSiteLatencies(supernetSites(net)); net.dispose(); return t; })();

const dir = mkdtempSync(join(tmpdir(), 'darts-bench-'));
const store = openStore(join(dir, 'runs.db'));

async function search(over: Partial<DartsConfig>, label: string): Promise<{ genotype: CellGenotype; seconds: number; epochs: { paramFree: number; expectedMs: number }[] }> {
  const t0 = performance.now();
  const out = await runDarts({ ...base, ...over }, store, { progress: true, opLatency: (k) => opTable.get(k), log: (l) => console.error(`[${label}] ${l}`) });
  const seconds = (performance.now() - t0) / 1000;
  return { genotype: out.genotype!, seconds, epochs: out.epochs.map((e) => ({ paramFree: e.collapse.parameterFree, expectedMs: Number(e.expectedLatencyMs.toFixed(4)) })) };
}

function latencyMs(g: CellGenotype): number {
  const net = buildNetwork(space, g, { rng: createRng(0) });
  const x = tf.randomNormal([1, ...space.def.input.shape]);
  const run = (): number => { const t0 = performance.now(); const y = tf.tidy(() => net.forward(x, false)); y.dataSync(); y.dispose(); return performance.now() - t0; };
  for (let i = 0; i < 5; i++) run();
  const ms = median(Array.from({ length: 30 }, run));
  x.dispose(); net.dispose();
  return ms;
}

const params = (g: CellGenotype): number => { const n = buildNetwork(space, g, { rng: createRng(0) }); const p = n.paramCount(); n.dispose(); return p; };

async function proxyAccuracy(g: CellGenotype, seed: number): Promise<number> {
  const ds = loadDataset('fashion-mnist', { subset: { train: PROXY.trainImages, val: PROXY.valImages, test: 0 } });
  const net = buildNetwork(space, g, { rng: createRng(seed) });
  const r = await trainNetwork(net, ds, { epochs: PROXY.epochs, batchSize: PROXY.batchSize, learningRate: PROXY.learningRate, seed });
  net.dispose();
  return r.epochs[r.epochs.length - 1].valAccuracy;
}

const part = args.part;
if (part === 'steps' || part === 'all') stepTimes();
if (part === 'quick' || part === 'all') {
  const s = await search({}, 'quick');
  const t0 = performance.now();
  const derivedAcc = await proxyAccuracy(s.genotype, 0);
  const trainSeconds = (performance.now() - t0) / 1000;
  const target = params(s.genotype);
  const rng = createRng(42);
  const pool = Array.from({ length: 60 }, () => space.sample(rng)).map((g) => ({ g, p: params(g) }));
  pool.sort((a, b) => Math.abs(a.p - target) - Math.abs(b.p - target));
  const randoms = pool.slice(0, Number(args.randoms));
  const accs: number[] = [];
  for (const [i, r] of randoms.entries()) accs.push(await proxyAccuracy(r.g, i + 1));
  print({
    bench: 'darts-quick', epochs: base.epochs, imagesPerHalf: base.trainImages, searchSeconds: Number(s.seconds.toFixed(1)),
    searchPlusFinalTrainSeconds: Number((s.seconds + trainSeconds).toFixed(1)), derived: { params: target, accuracy: derivedAcc, genotype: s.genotype },
    random: { params: randoms.map((r) => r.p), accuracies: accs, mean: accs.reduce((a, b) => a + b, 0) / accs.length }, proxy: PROXY,
  });
}
if (part === 'sweep' || part === 'all') {
  for (const weight of [0, 1, 4]) {
    const s = await search({ latency: { weight, form: 'linear' } }, `latency ${weight}`);
    print({ bench: 'darts-latency-sweep', latencyWeight: weight, form: 'linear', measuredLatencyMs: Number(latencyMs(s.genotype).toFixed(3)), params: params(s.genotype), expectedMsPerEpoch: s.epochs.map((e) => e.expectedMs), normal: s.genotype.normal });
  }
}
if (part === 'remedy' || part === 'all') {
  for (const remedy of [{ kind: 'none' as const, weight: 0 }, { kind: 'beta' as const, weight: 2 }]) {
    const s = await search({ remedy }, `remedy ${remedy.kind}`);
    print({ bench: 'darts-remedy', remedy, parameterFreeNormalEdgesPerEpoch: s.epochs.map((e) => e.paramFree), collapsed: detectCollapse(s.genotype).collapsed, normal: s.genotype.normal });
  }
}
store.close();
rmSync(dir, { recursive: true, force: true });
