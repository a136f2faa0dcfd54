/**
 * `node --import tsx bench/supernet-parallel.ts [--train-images 1000] [--spos-epochs 3] [--ofa-phases 1,1,1,1] [--workers 1,2] [--shard] [--order 12|21] [--seed 0] [--only spos|ofa]`
 *
 * Single-path supernet training on 1 and on N worker threads (--data-parallel N,
 * strategies/one-shot/parallel.ts): SPOS on darts-fmnist-small at its default batch (16) and
 * Once-for-All on mobile-blocks at its default batch (64), each run as the trainer runs it (the
 * ordinary loop, checkpoints every epoch) but with no subnets scored (the scoring runs in the
 * run's own thread, whatever N). Runs go one after another in this process, in the order the
 * worker counts are given (`--order 21`: the list reversed, to see whether the load drifted).
 * Prints per trainer and worker count each epoch's wall and CPU seconds (the process's, all
 * threads), and the mean over the epochs after the first (the first also loads the data and
 * starts the workers): the wall ratio is the speed-up on this machine at its load, the CPU ratio
 * N=2 over N=1 what training on N threads costs in CPU (the shard step's own scaling, the
 * messages, copies, barrier and averaging). `--shard` adds a run of 1 worker at batch B/N (as
 * bench/darts-parallel.ts's shard setting): one shard's step against the whole batch's is the
 * ceiling the step's own scaling sets, and the N-worker step's CPU beyond N shard steps is what the
 * machinery costs (per step: an epoch at batch B/N has N times the steps).
 *
 * Prints a Markdown table and one JSON line per run to stdout; the figures and their command and
 * load go to bench/data/supernet-parallel.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import type { BlockSpace } from '../search/space/block.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { DEFAULT_SPOS_CONFIG } from '../search/strategies/one-shot/config.ts';
import { trainSpos } from '../search/strategies/one-shot/run.ts';
import { DEFAULT_OFA_CONFIG } from '../search/strategies/ofa/config.ts';
import { trainOfa } from '../search/strategies/ofa/run.ts';

const { values: args } = parseArgs({
  options: {
    'train-images': { type: 'string', default: '1000' }, 'spos-epochs': { type: 'string', default: '3' }, 'ofa-phases': { type: 'string', default: '1,1,1,1' },
    workers: { type: 'string', default: '1,2' }, shard: { type: 'boolean', default: false }, order: { type: 'string', default: '12' }, seed: { type: 'string', default: '0' }, only: { type: 'string' },
  },
});
const trainImages = Number(args['train-images']), seed = Number(args.seed);
const workerCounts = args.workers!.split(',').map(Number);
if (args.order === '21') workerCounts.reverse();
const phaseEpochs = args['ofa-phases']!.split(',').map(Number);
const backend = await initBackend();
const noSink = { commit: () => {} };

interface Epoch { wall: number; cpu: number; loss: number }

/** Times one run: each epoch's wall and process CPU seconds, from the previous epoch's commit (the first from the start). */
async function timed(run: (onEpoch: (trainLoss: number) => void) => Promise<unknown>): Promise<Epoch[]> {
  const out: Epoch[] = [];
  let t0 = performance.now(), c0 = process.cpuUsage();
  await run((loss) => {
    const u = process.cpuUsage(c0);
    out.push({ wall: (performance.now() - t0) / 1000, cpu: (u.user + u.system) / 1e6, loss });
    t0 = performance.now();
    c0 = process.cpuUsage();
  });
  return out;
}

/** One trainer's run at this worker count and batch size (null: the trainer's default). */
const trainers = {
  spos: (workers: number, batch: number | null, dir: string) => timed((onEpoch) => {
    const config = { ...DEFAULT_SPOS_CONFIG, space: resolveSpacePath('darts-fmnist-small'), trainImages, epochs: Number(args['spos-epochs']), subnets: 0, seed, dataParallel: workers, batchSize: batch ?? DEFAULT_SPOS_CONFIG.batchSize };
    return trainSpos({ config, space: loadSpace(config.space) as CellSpace, state: null, checkpointDir: dir, sink: noSink }, { onEpoch: (r) => onEpoch(r.trainLoss) });
  }),
  ofa: (workers: number, batch: number | null, dir: string) => timed((onEpoch) => {
    const config = {
      ...DEFAULT_OFA_CONFIG, space: resolveSpacePath('mobile-blocks'), trainImages, phaseEpochs, epochs: phaseEpochs.reduce((a, b) => a + b, 0), subnets: 0, seed, dataParallel: workers,
      batchSize: batch ?? DEFAULT_OFA_CONFIG.batchSize,
    };
    return trainOfa({ config, space: loadSpace(config.space) as BlockSpace, state: null, checkpointDir: dir, sink: noSink }, { onEpoch: (r) => onEpoch(r.trainLoss) });
  }),
};
const defaultBatch = { spos: DEFAULT_SPOS_CONFIG.batchSize, ofa: DEFAULT_OFA_CONFIG.batchSize };

const load0 = loadavg();
interface Row { trainer: keyof typeof trainers; workers: number; batch: number; epochs: Epoch[]; load: number[] }
const rows: Row[] = [];
const most = Math.max(...workerCounts);
for (const trainer of (args.only ? [args.only] : Object.keys(trainers)) as (keyof typeof trainers)[]) {
  // The shard setting last: 1 worker on batches of one worker's shard, the step N workers each take.
  const settings = [...workerCounts.map((w) => ({ workers: w, batch: defaultBatch[trainer] })), ...(args.shard ? [{ workers: 1, batch: defaultBatch[trainer] / most }] : [])];
  for (const { workers, batch } of settings) {
    const dir = mkdtempSync(join(tmpdir(), 'supernet-parallel-'));
    try {
      const epochs = await trainers[trainer](workers, batch, dir);
      rows.push({ trainer, workers, batch, epochs, load: loadavg() });
      console.log(JSON.stringify(rows.at(-1)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const steady = (r: Row, k: 'wall' | 'cpu'): number => mean(r.epochs.slice(1).map((e) => e[k]));
/** The loop drops an epoch's last, smaller batch. */
const perStep = (r: Row, k: 'wall' | 'cpu'): number => steady(r, k) / Math.floor(trainImages / r.batch);
console.log(`# supernet-parallel: ${trainImages} training images, SPOS ${args['spos-epochs']} epochs (batch ${defaultBatch.spos}), OFA phases ${phaseEpochs.join(',')} (batch ${defaultBatch.ofa}), seed ${seed}, ${backend.name} backend, no subnets scored`);
console.log(`# load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| trainer | workers | batch | wall s/epoch (each) | CPU s/epoch (each) | wall s/epoch after the first | CPU s/epoch after the first | CPU ms/step | wall speed-up over 1 worker | CPU ratio over 1 worker | train loss (each epoch) | load after |');
console.log('| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of rows) {
  const one = rows.find((x) => x.trainer === r.trainer && x.workers === 1 && x.batch === defaultBatch[r.trainer]);
  const same = one && r.batch === one.batch;
  const each = (k: 'wall' | 'cpu'): string => r.epochs.map((e) => e[k].toFixed(1)).join(', ');
  console.log(`| ${r.trainer} | ${r.workers} | ${r.batch} | ${each('wall')} | ${each('cpu')} | ${steady(r, 'wall').toFixed(1)} | ${steady(r, 'cpu').toFixed(1)} | ${(1000 * perStep(r, 'cpu')).toFixed(0)} | `
    + `${same ? (steady(one, 'wall') / steady(r, 'wall')).toFixed(2) : '-'} | ${same ? (steady(r, 'cpu') / steady(one, 'cpu')).toFixed(2) : '-'} | ${r.epochs.map((e) => e.loss.toFixed(3)).join(', ')} | ${r.load.map((l) => l.toFixed(1)).join(' ')} |`);
}
for (const trainer of Object.keys(defaultBatch) as (keyof typeof trainers)[]) {
  const one = rows.find((x) => x.trainer === trainer && x.workers === 1 && x.batch === defaultBatch[trainer]);
  const group = rows.find((x) => x.trainer === trainer && x.workers === most);
  const shard = rows.find((x) => x.trainer === trainer && x.batch === defaultBatch[trainer] / most);
  if (!one || !group || !shard) continue;
  const machinery = perStep(group, 'cpu') - most * perStep(shard, 'cpu');
  console.log(`# ${trainer}: ceiling for ${most} workers (1 worker's step on the whole batch over its step on one shard), CPU ${(perStep(one, 'cpu') / perStep(shard, 'cpu')).toFixed(2)}x; `
    + `the ${most}-worker step's CPU beyond ${most} shard steps: ${(1000 * machinery).toFixed(0)} ms of ${(1000 * perStep(group, 'cpu')).toFixed(0)} (${(100 * machinery / perStep(group, 'cpu')).toFixed(1)} %)`);
}
