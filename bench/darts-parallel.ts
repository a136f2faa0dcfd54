/**
 * `node --import tsx bench/darts-parallel.ts [--space darts-fmnist-small] [--batch 32] [--k 4] [--workers 1,2] [--rounds 5] [--simultaneous true|false]`
 *
 * Step throughput of DARTS's data-parallel training (strategies/darts/parallel.ts): a first-order
 * search step (architecture half, then weight half) in this thread ("local", as --data-parallel 1
 * trains) and on groups of N worker threads (--data-parallel N). All settings are built first,
 * then stepped in turns, one step of each per round after a warm-up round, so that a change of
 * the machine's load hits them alike. Prints, per setting, the median wall time of a step, images
 * per second, the speed-up over the 1-worker group, the process's CPU time per step (all
 * threads; beside it its system part, here mostly page faults) and the speed-up N workers
 * would reach with a core each, CPU-bound: the 1-worker
 * group's CPU per step over the N-worker group's CPU per step per worker. On a machine shared with
 * other jobs the wall speed-up is bounded by the cores this job gets: read it beside the load.
 *
 * Where the N-worker step's time goes: one more setting, the 1-worker group on the first B/N
 * images of each batch (one worker's shard), gives the speed-up N workers would reach if sharding,
 * messages, the gradient copy, the barrier and the averaging cost nothing (the step's own
 * scaling: one shard's step against the whole batch's), and the N-worker group's CPU per step
 * beyond N such shard steps is what that machinery costs.
 *
 * The simultaneous update (config `update`, `--update simultaneous`): "local, simultaneous" is its
 * one-thread step (the architecture and weight halves' gradients at the same state, then both
 * applied), with the CPU of each half's gradients timed apart; "2 workers, halves" runs the two
 * halves at once on 2 workers, each on the whole batch. Its ceiling on 2 free cores is the
 * one-thread step's CPU over that of its larger half plus both applications (which both workers
 * run), and its CPU beyond two halves and two applications is what the group costs.
 * `--simultaneous false` leaves both out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { loadDartsData, disposeBatch } from '../search/strategies/darts/data.ts';
import type { DartsBatch } from '../search/strategies/darts/bilevel.ts';
import { localSteps, parallelSteps, type DartsSteps } from '../search/strategies/darts/parallel.ts';
import type { DartsConfig } from '../search/strategies/darts/config.ts';
import { createDartsSession, withLatencySites, type DartsSession } from '../search/strategies/darts/session.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';

const { values: args } = parseArgs({
  options: {
    space: { type: 'string', default: 'darts-fmnist-small' }, batch: { type: 'string', default: '32' }, k: { type: 'string', default: '4' },
    workers: { type: 'string', default: '1,2' }, rounds: { type: 'string', default: '5' }, simultaneous: { type: 'string', default: 'true' },
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

/** `shardOf`: the setting steps on the first batch/shardOf images of each batch (1: the whole batch). */
interface Setting {
  name: string; workers: number; shardOf: number; update: DartsConfig['update']; session: DartsSession; steps: DartsSteps; ms: number[]; cpuMs: number[]; sysMs: number[]; busiestMs: number[];
  /** CPU ms of each step's architecture and weight gradients and of their two applications, timed apart (the one-thread simultaneous setting). */
  halfMs: { arch: number[]; weight: number[]; apply: number[] } | null;
}
const settings: Setting[] = [];
const add = async (name: string, workers: number, shardOf = 1, update: DartsConfig['update'] = 'alternating'): Promise<void> => {
  const session = createDartsSession(space, c, opLatency);
  const cu = { ...c, update, dataParallel: Math.max(1, workers) };
  const steps = workers === 0 ? localSteps(session, cu) : await parallelSteps(session, cu, opLatency, workers, false);
  const s: Setting = { name, workers, shardOf, update, session, steps, ms: [], cpuMs: [], sysMs: [], busiestMs: [], halfMs: null };
  if (workers === 0 && update === 'simultaneous') {
    // localSteps calls the session's methods by name: wrapping them times each part of the step.
    const halfMs: NonNullable<Setting['halfMs']> = { arch: [], weight: [], apply: [] };
    const timed = <A extends unknown[], R>(f: (...args: A) => R, into: number[], add = false) => (...args: A): R => {
      const c0 = process.cpuUsage();
      try { return f(...args); } finally {
        const u = process.cpuUsage(c0), ms = (u.user + u.system) / 1000;
        if (add) into[into.length - 1] += ms; else into.push(ms);
      }
    };
    session.archGradients = timed(session.archGradients, halfMs.arch);
    session.weightGradients = timed(session.weightGradients, halfMs.weight);
    session.applyArchGradients = timed(session.applyArchGradients, halfMs.apply);
    session.applyWeightGradients = timed(session.applyWeightGradients, halfMs.apply, true);
    s.halfMs = halfMs;
  }
  settings.push(s);
};
const workerCounts = args.workers!.split(',').map(Number);
const most = Math.max(...workerCounts);
if (!(most > 1 && batch % most === 0)) throw new Error(`--workers: the shard setting needs a largest count above 1 that divides --batch ${batch}`);
await add('local', 0);
for (const w of workerCounts) await add(`${w} worker${w > 1 ? 's' : ''}`, w);
await add(`1 worker, one shard (${batch / most} images)`, 1, most);
const simultaneous = args.simultaneous !== 'false';
if (simultaneous) {
  await add('local, simultaneous', 0, 1, 'simultaneous');
  await add('2 workers, halves (simultaneous)', 2, 1, 'simultaneous');
}
/**
 * CPU ms so far of each thread of this process, by thread id (Linux's /proc, in USER_HZ ticks of
 * 10 ms; empty elsewhere). A step's busiest thread is its critical path on free cores: the loop's
 * thread for a local step, the slower worker for a group (V8's own threads, GC and compilation,
 * are counted in the process's CPU but are no one's path).
 */
function threadCpu(): Map<string, number> {
  let tids: string[];
  try { tids = readdirSync('/proc/self/task'); } catch { return new Map(); }
  return new Map(tids.flatMap((t) => {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      return [[t, (Number(f[11]) + Number(f[12])) * 10] as [string, number]];
    } catch {
      return []; // the thread ended
    }
  }));
}

/** The first n images of a classification batch (the caller disposes them). */
const head = (b: DartsBatch, n: number): DartsBatch => {
  if ('pixels' in b) throw new Error('darts-parallel: the shard setting takes classification batches');
  return { x: b.x.slice(0, n), y: b.y.slice(0, n) };
};

const train = ds.batches('train', 0), val = ds.batches('val', 0);
const totalSteps = rounds + 1;
for (let r = 0; r <= rounds; r++) {
  const t = train.next(), v = val.next();
  for (const s of settings) {
    const a = { epoch: 0, step: r, totalSteps, lr: c.learningRate, multiplier: 0 };
    const [ts, vs] = s.shardOf === 1 ? [t, v] : [head(t, batch / s.shardOf), head(v, batch / s.shardOf)];
    const t0 = performance.now(), c0 = process.cpuUsage(), th0 = threadCpu();
    await s.steps.step(vs, ts, a);
    if (r > 0) {
      s.ms.push(performance.now() - t0);
      const u = process.cpuUsage(c0);
      s.cpuMs.push((u.user + u.system) / 1000);
      s.sysMs.push(u.system / 1000);
      s.busiestMs.push(Math.max(0, ...[...threadCpu()].map(([t, ms]) => ms - (th0.get(t) ?? 0))));
    }
    else if (s.halfMs) for (const xs of Object.values(s.halfMs)) xs.length = 0;
    if (s.shardOf !== 1) { disposeBatch(ts); disposeBatch(vs); }
  }
  disposeBatch(t);
  disposeBatch(v);
}
for (const s of settings) { await s.steps.sync(); await s.steps.close(); s.session.dispose(); }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const one = settings.find((s) => s.workers === 1 && s.shardOf === 1 && s.update === 'alternating');
console.log(`# darts-parallel: ${args.space}, batch ${batch}, K=${args.k}, ${backend.name} backend, first-order step, median of ${rounds} rounds after a warm-up`);
console.log(`# load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| setting | wall ms/step | images/s | wall speed-up over 1 worker | CPU ms/step (all threads) | of which system | CPU ms of the busiest thread | CPU-bound speed-up over 1 worker |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const ratio = (x: number, y: number): number => +(x / y).toFixed(2);
const rows = settings.map((s) => ({
  setting: s.name, workers: s.workers, shardOf: s.shardOf, ms: Math.round(median(s.ms)), cpuMs: Math.round(median(s.cpuMs)), sysMs: Math.round(median(s.sysMs)), busiestMs: Math.round(median(s.busiestMs)), imagesPerS: +(batch / s.shardOf / (median(s.ms) / 1000)).toFixed(2),
  // The shard setting steps fewer images: its ratios are the ceiling, printed below.
  // The halves split the step unevenly: their CPU-bound figure is the ceiling printed below, not this even split.
  speedup: one && s.shardOf === 1 ? ratio(median(one.ms), median(s.ms)) : null, cpuBoundSpeedup: one && s.workers > 0 && s.shardOf === 1 && s.update === 'alternating' ? ratio(median(one.cpuMs) * s.workers, median(s.cpuMs)) : null, allMs: s.ms.map(Math.round),
}));
for (const r of rows) console.log(`| ${r.setting} | ${r.ms} | ${r.imagesPerS} | ${r.speedup ?? '-'} | ${r.cpuMs} | ${r.sysMs} | ${r.busiestMs || '-'} | ${r.cpuBoundSpeedup ?? '-'} |`);
const shard = settings.find((s) => s.shardOf === most)!, group = settings.find((s) => s.workers === most && s.shardOf === 1 && s.update === 'alternating');
if (one && group) {
  const machinery = median(group.cpuMs) - most * median(shard.cpuMs);
  console.log(`# ceiling for ${most} workers (1 worker's step on the whole batch over its step on one shard): wall ${ratio(median(one.ms), median(shard.ms))}x, CPU ${ratio(median(one.cpuMs), median(shard.cpuMs))}x; `
    + `the ${most}-worker step's CPU beyond ${most} shard steps (messages, copies, barrier, averaging): ${Math.round(machinery)} ms of ${median(group.cpuMs).toFixed(0)} (${(100 * machinery / median(group.cpuMs)).toFixed(1)} %)`
    + (median(group.busiestMs) > 0 ? `; by threads, 1 worker's busiest thread over ${most} workers' busiest: ${ratio(median(one.busiestMs), median(group.busiestMs))}x` : ''));
}
const sim = settings.find((s) => s.halfMs), halves = settings.find((s) => s.workers === 2 && s.update === 'simultaneous');
if (sim && halves) {
  // Per round, so that the parts add up to the step they were timed in.
  const h = sim.halfMs!, T = median(sim.cpuMs);
  const A = median(h.arch), W = median(h.weight), P = median(h.apply), other = median(sim.cpuMs.map((t, i) => t - h.arch[i] - h.weight[i] - h.apply[i]));
  // Each worker computes one half and runs both applications; the restore of the statistics is the one-thread step's only.
  const ceiling = T / (Math.max(A, W) + P);
  console.log(`# simultaneous, one thread: ${Math.round(T)} CPU ms a step = architecture gradients ${Math.round(A)} + weight gradients ${Math.round(W)} + both applications ${Math.round(P)} + the rest ${Math.round(other)} (medians of each); `
    + `ceiling for its halves on 2 workers (the step over the larger half plus both applications): ${ratio(ceiling, 1)}x. `
    + `The 2-worker halves: wall ${ratio(median(sim.ms), median(halves.ms))}x the one-thread step's rate; CPU ${Math.round(median(halves.cpuMs))} ms, ${Math.round(median(halves.cpuMs) - A - W - 2 * P)} beyond the two halves and two applications (messages, copies, barrier, the skipped halves' draws, V8's threads)`
    + (median(halves.busiestMs) > 0 ? `; by threads, the one-thread step's busiest thread over the halves' busiest: ${ratio(median(sim.busiestMs), median(halves.busiestMs))}x` : ''));
}
for (const r of rows) console.log(JSON.stringify(r));
