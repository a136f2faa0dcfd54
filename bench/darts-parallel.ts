/**
 * `node --import tsx bench/darts-parallel.ts [--space darts-fmnist-small] [--batch 32] [--k 4] [--workers 1,2] [--rounds 5]`
 *
 * Step throughput of DARTS's data-parallel training (strategies/darts/parallel.ts): a first-order
 * search step (architecture half, then weight half) in this thread ("local", as --data-parallel 1
 * trains) and on groups of N worker threads (--data-parallel N). All settings are built first,
 * then stepped in turns, one step of each per round after a warm-up round, so that a change of
 * the machine's load hits them alike. Prints, per setting, the median wall time of a step, images
 * per second, the speed-up over the 1-worker group, the process's CPU time per step (all
 * threads) and the speed-up N workers would reach with a core each, CPU-bound: the 1-worker
 * group's CPU per step over the N-worker group's CPU per step per worker. On a machine shared with
 * other jobs the wall speed-up is bounded by the cores this job gets: read it beside the load.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData, disposeBatch } from '../search/strategies/darts/data.ts';
import { localSteps, parallelSteps, type DartsSteps } from '../search/strategies/darts/parallel.ts';
import { createDartsSession, withLatencySites, type DartsSession } from '../search/strategies/darts/session.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string', default: 'darts-fmnist-small' }, batch: { type: 'string', default: '32' }, k: { type: 'string', default: '4' },
    workers: { type: 'string', default: '1,2' }, rounds: { type: 'string', default: '5' },
  },
});
const batch = Number(args.batch), rounds = Number(args.rounds);
const load0 = loadavg();
const backend = await initBackend();
const space = loadCellSpace(args.space!);
const c = dartsConfig({ space: args.space!, partialChannels: Number(args.k), batchSize: batch, trainImages: batch * (rounds + 1), valImages: batch * (rounds + 1), augment: false });
// Latency is not what this measures: a flat table keeps the loss's latency term defined.
const opLatency = withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((s) => [s.key, 1])));
const ds = loadDartsData(c, 'classification');

interface Setting { name: string; workers: number; session: DartsSession; steps: DartsSteps; ms: number[]; cpuMs: number[] }
const settings: Setting[] = [];
const add = async (name: string, workers: number): Promise<void> => {
  const session = createDartsSession(space, c, opLatency);
  const steps = workers === 0 ? localSteps(session, 1) : await parallelSteps(session, { ...c, dataParallel: workers }, opLatency, workers, false);
  settings.push({ name, workers, session, steps, ms: [], cpuMs: [] });
};
await add('local', 0);
for (const w of args.workers!.split(',').map(Number)) await add(`${w} worker${w > 1 ? 's' : ''}`, w);

const train = ds.batches('train', 0), val = ds.batches('val', 0);
const totalSteps = rounds + 1;
for (let r = 0; r <= rounds; r++) {
  const t = train.next(), v = val.next();
  for (const s of settings) {
    const a = { epoch: 0, step: r, totalSteps, lr: c.learningRate, multiplier: 0 };
    const t0 = performance.now(), c0 = process.cpuUsage();
    await s.steps.arch(v, t, a);
    await s.steps.weight(t, a);
    if (r > 0) { s.ms.push(performance.now() - t0); const u = process.cpuUsage(c0); s.cpuMs.push((u.user + u.system) / 1000); }
  }
  disposeBatch(t);
  disposeBatch(v);
}
for (const s of settings) { await s.steps.sync(); await s.steps.close(); s.session.dispose(); }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const one = settings.find((s) => s.workers === 1);
console.log(`# darts-parallel: ${args.space}, batch ${batch}, K=${args.k}, ${backend.name} backend, first-order step, median of ${rounds} rounds after a warm-up`);
console.log(`# load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| setting | wall ms/step | images/s | wall speed-up over 1 worker | CPU ms/step (all threads) | CPU-bound speed-up over 1 worker |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const ratio = (x: number, y: number): number => +(x / y).toFixed(2);
const rows = settings.map((s) => ({
  setting: s.name, workers: s.workers, ms: Math.round(median(s.ms)), cpuMs: Math.round(median(s.cpuMs)), imagesPerS: +(batch / (median(s.ms) / 1000)).toFixed(2),
  speedup: one ? ratio(median(one.ms), median(s.ms)) : null, cpuBoundSpeedup: one && s.workers > 0 ? ratio(median(one.cpuMs) * s.workers, median(s.cpuMs)) : null, allMs: s.ms.map(Math.round),
}));
for (const r of rows) console.log(`| ${r.setting} | ${r.ms} | ${r.imagesPerS} | ${r.speedup ?? '-'} | ${r.cpuMs} | ${r.cpuBoundSpeedup ?? '-'} |`);
for (const r of rows) console.log(JSON.stringify(r));
