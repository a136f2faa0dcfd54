/**
 * Where a default search's candidate spends its CPU: the parts of a proxy evaluation job
 * (search/evaluate/proxy.ts) timed one by one on sampled genotypes of the default space, at the
 * default budget and latency measurement, on one thread. CPU seconds (user + system of this
 * process) are printed beside wall seconds: on a shared machine the wall time is the load's.
 *
 *   node --import tsx bench/candidate-cost.ts [N] [SEED]     # N genotypes (default 3), sampled with SEED (default 0)
 */
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import { NO_AUGMENT } from '../search/data/augment.ts';
import { DEFAULTS } from '../search/run/drivers/ask-tell.ts';
import { readSpace } from '../search/run/record.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { Genotype, Space } from '../search/space/types.ts';
import { trainNetwork } from '../search/train/loop.ts';
import { evaluateNetwork } from '../search/train/evaluate.ts';
import { RECIPES } from '../search/train/recipes.ts';
import { jobScores } from '../search/evaluate/zero-cost/job-scores.ts';
import { DEFAULT_TRAINED_PROXIES } from '../search/evaluate/zero-cost/index.ts';
import { latencyRuntime } from '../search/latency/runtimes.ts';
import { createRng } from '../search/util/rng.ts';

const n = Number(process.argv[2] ?? 3);
const seed = Number(process.argv[3] ?? 0);
// The latency flags' defaults (search/run/drivers/ask-tell.ts: --latency-warmup, --latency-repeats).
const LATENCY = { warmup: 3, repeats: 20 };

/** CPU and wall seconds of `f`. */
async function timed<T>(f: () => T | Promise<T>): Promise<{ value: T; cpu: number; wall: number }> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}

const backend = await initBackend({});
const { space: loaded } = readSpace(resolveSpacePath(DEFAULTS.space));
const space = loaded as Space<Genotype>;
const recipe = RECIPES[DEFAULTS.recipe];
const data = await timed(() => loadDataset('fashion-mnist', { subset: { train: DEFAULTS.trainImages, val: DEFAULTS.valImages, test: 0 } }));
const runtime = await latencyRuntime('tfjs');
console.log(`backend ${backend.name}; ${DEFAULTS.space}, ${DEFAULTS.epochs} epochs x ${DEFAULTS.trainImages} images, ${DEFAULTS.valImages} validation images, recipe ${DEFAULTS.recipe}`);
console.log(`data set loaded: ${data.cpu.toFixed(1)} CPU s (${data.wall.toFixed(1)} s wall), once per worker`);

const parts = ['build', 'zero-cost', 'train epoch', 'validation', 'latency'] as const;
const total: Record<(typeof parts)[number], number> = { build: 0, 'zero-cost': 0, 'train epoch': 0, validation: 0, latency: 0 };
const rng = createRng(seed);
console.log('| genotype | MACs | build | zero-cost | train (all epochs) | validation (once) | latency | CPU s of a job with validation every epoch |');
console.log('|---|---|---|---|---|---|---|---|');
for (let i = 0; i < n; i++) {
  const genotype = space.sample(rng);
  const built = await timed(() => buildNetwork(loaded, genotype, { inShape: [...data.value.shape], classes: data.value.numClasses, rng: createRng(seed + i) }));
  const net = built.value;
  try {
    const zc = await timed(() => jobScores({ task: 'classification', dataset: 'fashion-mnist', seed: seed + i }, net, DEFAULT_TRAINED_PROXIES));
    // Trained without a validation split, so that the epochs' time is training alone; validation is timed once after.
    const train = await timed(() => trainNetwork(net, { ...data.value, val: undefined }, {
      epochs: DEFAULTS.epochs, batchSize: recipe.batchSize, learningRate: recipe.learningRate, seed: seed + i,
      optimizer: recipe.optimizer, warmupFraction: recipe.warmupFraction, labelSmoothing: recipe.labelSmoothing, augment: NO_AUGMENT,
    }));
    const val = await timed(() => evaluateNetwork(net, data.value.val, data.value));
    const latency = await timed(() => runtime.measure(net, net.config.inShape, LATENCY));
    const job = built.cpu + zc.cpu + train.cpu + DEFAULTS.epochs * val.cpu + latency.cpu;
    total.build += built.cpu; total['zero-cost'] += zc.cpu; total['train epoch'] += train.cpu / DEFAULTS.epochs;
    total.validation += val.cpu; total.latency += latency.cpu;
    console.log(`| ${i} | ${(net.flops() / 1e6).toFixed(2)}M | ${built.cpu.toFixed(2)} | ${zc.cpu.toFixed(2)} | ${train.cpu.toFixed(1)} | ${val.cpu.toFixed(2)} | ${latency.cpu.toFixed(2)} | ${job.toFixed(1)} |`);
  } finally {
    net.dispose();
  }
}
const perJob = parts.reduce((s, p) => s + (p === 'validation' || p === 'train epoch' ? DEFAULTS.epochs : 1) * total[p], 0) / n;
console.log(`\nmean CPU s of a job: ${perJob.toFixed(1)}; share of each part (validation and training counted ${DEFAULTS.epochs} times, as the job runs them):`);
for (const p of parts) {
  const times = p === 'validation' || p === 'train epoch' ? DEFAULTS.epochs : 1;
  console.log(`  ${p.padEnd(12)} ${(total[p] / n).toFixed(2)} CPU s x ${times}  ${((100 * times * total[p]) / n / perJob).toFixed(1)} %`);
}
