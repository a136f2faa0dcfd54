/**
 * DARTS on every core (`--data-parallel N`): N worker threads each hold a session (session.ts)
 * built from the run's config and seed; each step's architecture batch and weight batch are cut
 * into N shards, every worker computes its shard's gradients, the group averages them through
 * shared memory and every worker applies the same average (train/data-parallel/). The search
 * loop's own session stays idle during the epoch and takes worker 0's state at its end, for the
 * checkpoint, the snapshots and the derived genotype.
 *
 * With the simultaneous update (config `update`) and 2 workers the step is split by halves
 * instead of by images: worker 0 computes the architecture gradients on the whole architecture
 * batch while worker 1 computes the weight gradients on the whole weight batch, both at the same
 * weights and alphas, and both workers apply both; the result is the one-thread simultaneous
 * step's (localSteps), and no half-batch step is run (on the small supernets here a half batch
 * costs well over half a batch's step: bench/data/darts-parallel.md).
 *
 * Every step the group also compares what each worker's passes drew (GDAS's ops, DrNAS's weights,
 * a uniform-cell step's cell: the session's `drawn`), which the weights cannot show.
 *
 * The worker half is `createReplica` (loaded by the group in each thread by this module's URL),
 * the loop's half `parallelSteps`.
 */
import * as tf from '@tensorflow/tfjs';
import { createDataParallel, type DataParallelGroup } from '../../train/data-parallel/group.ts';
import { shardSizes, type Replica, type ShardMetrics } from '../../train/data-parallel/replica.ts';
import type { SavedTensor } from '../../train/checkpoint.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import type { CellSpace } from '../../space/cell.ts';
import type { DartsBatch, StepMetrics } from './bilevel.ts';
import { disposeBatch } from './data.ts';
import type { DartsConfig } from './config.ts';
import { createDartsSession, type ArchStepMetrics, type DartsSession, type DartsStepArgs, type SessionState } from './session.ts';

/** A batch (or shard) as plain arrays, to cross to a worker thread. */
export type PlainBatch =
  | { n: number; shape: number[]; x: Float32Array; y: Float32Array; classes: number }
  | { n: number; shape: number[]; x: Float32Array; pixels: Int32Array; ignoreLabel: number };

export interface ReplicaArgs { config: DartsConfig; opLatency: Record<string, number> }

/** How the group's errors name a step (a worker that drew otherwise than the others). */
export const stepName = (a: DartsStepArgs): string => `epoch ${a.epoch} step ${a.step}`;

const PHASES = ['arch', 'weight'] as const;

/** Cuts a batch into consecutive shards of these sizes. */
export function shardBatch(b: DartsBatch, sizes: number[]): PlainBatch[] {
  const [n, ...shape] = b.x.shape;
  const per = shape.reduce((a, d) => a * d, 1);
  const x = b.x.dataSync() as Float32Array;
  const y = 'pixels' in b ? null : (b.y.dataSync() as Float32Array);
  const classes = 'pixels' in b ? 0 : b.y.shape[1];
  const pixelsPer = 'pixels' in b ? b.pixels.length / n : 0;
  let at = 0;
  return sizes.map((k) => {
    const common = { n: k, shape, x: x.slice(at * per, (at + k) * per) };
    const s: PlainBatch = 'pixels' in b
      ? { ...common, pixels: b.pixels.slice(at * pixelsPer, (at + k) * pixelsPer), ignoreLabel: b.ignoreLabel }
      : { ...common, y: y!.slice(at * classes, (at + k) * classes), classes };
    at += k;
    return s;
  });
}

/** The tensors of a plain batch (the caller disposes them). */
export function batchOf(p: PlainBatch): DartsBatch {
  const x = tf.tensor4d(p.x, [p.n, ...p.shape] as [number, number, number, number]);
  return 'pixels' in p ? { x, pixels: p.pixels, ignoreLabel: p.ignoreLabel } : { x, y: tf.tensor2d(p.y, [p.n, p.classes]) };
}

/** The worker's replica: a session whose phases are the architecture and the weight halves of a step. */
export async function createReplica(args: unknown): Promise<Replica<PlainBatch, DartsStepArgs>> {
  const { config, opLatency } = args as ReplicaArgs;
  const space = loadSpace(resolveSpacePath(config.space)) as CellSpace;
  const s = createDartsSession(space, config, opLatency);
  const archVars = s.arch.named.map((a) => a.variable);
  const weightVars = s.weights.map((w) => w.variable);
  const buffers = s.net.buffers().map((b) => b.variable);
  return {
    params: (phase) => (phase === 'arch' ? archVars : weightVars),
    buffers: () => buffers,
    gradients(phase, shard, a) {
      const b = batchOf(shard);
      try {
        const { grads, metrics } = phase === 'arch' ? s.archGradients(b, a) : s.weightGradients(b, a);
        return { grads, metrics: metrics as unknown as ShardMetrics };
      } finally {
        disposeBatch(b);
      }
    },
    skip: (phase, a) => s.skipHalf(phase === 'arch' ? 'arch' : 'weight', a),
    drawn: (phase) => s.drawn(phase === 'arch' ? 'arch' : 'weight'),
    apply: (phase, grads, a) => (phase === 'arch' ? s.applyArchGradients(grads) : s.applyWeightGradients(grads, a)),
    async call(method, a) {
      if (method === 'save') return await s.save();
      if (method === 'load') return await s.load(a as SessionState);
      throw new Error(`darts replica: no call '${method}'`);
    },
    dispose: () => s.dispose(),
  };
}

/** A step's figures: the architecture half's (null in a warm-up step) and the weight half's. */
export interface DartsStepResult { arch: ArchStepMetrics | null; weight: StepMetrics }

/** A search step as the loop calls it, whether the session trains here or on workers. */
export interface DartsSteps {
  /** The architecture half on `val` (none when null: a warm-up step), and the weight half on `train`, as the config's order and update say. */
  step(val: DartsBatch | null, train: DartsBatch, a: DartsStepArgs): Promise<DartsStepResult>;
  /** Brings the loop's session up to the trained state (a no-op when it is the one trained). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The weight half on the loop's session, applied at once. */
function localWeightStep(s: DartsSession, train: DartsBatch, a: DartsStepArgs): StepMetrics {
  const { grads, metrics } = s.weightGradients(train, a);
  try { s.applyWeightGradients(grads, a); } finally { tf.dispose(grads); }
  return metrics;
}

/**
 * Steps on the loop's own session. Alternating: the architecture step (first or second order),
 * then the weight step. Simultaneous (first order): both halves' gradients at the same state,
 * then both applied; the architecture half's forward pass leaves BatchNorm's running statistics
 * as it found them, as on the architecture worker of parallelSteps, whose are not kept.
 */
export function localSteps(s: DartsSession, o: { order: 1 | 2; update: DartsConfig['update'] }): DartsSteps {
  if (o.update === 'simultaneous' && o.order === 2) throw new Error('darts: the simultaneous update is first order only');
  const buffers = s.net.buffers().map((b) => b.variable);
  return {
    async step(val, train, a) {
      if (!val) return { arch: null, weight: localWeightStep(s, train, a) };
      if (o.update === 'alternating') {
        let arch: ArchStepMetrics;
        if (o.order === 2) {
          arch = s.archStepSecondOrder(train, val, a);
        } else {
          const { grads, metrics } = s.archGradients(val, a);
          try { s.applyArchGradients(grads); } finally { tf.dispose(grads); }
          arch = metrics;
        }
        return { arch, weight: localWeightStep(s, train, a) };
      }
      const before = buffers.map((b) => tf.clone(b));
      let archGrads: tf.Tensor[] = [];
      try {
        const archHalf = s.archGradients(val, a);
        archGrads = archHalf.grads;
        buffers.forEach((b, i) => b.assign(before[i]));
        const weightHalf = s.weightGradients(train, a);
        try {
          s.applyArchGradients(archGrads);
          s.applyWeightGradients(weightHalf.grads, a);
        } finally {
          tf.dispose(weightHalf.grads);
        }
        return { arch: archHalf.metrics, weight: weightHalf.metrics };
      } finally {
        tf.dispose([...before, ...archGrads]);
      }
    },
    sync: async () => {},
    close: async () => {},
  };
}

/** The workers' metrics as one batch's: losses weighted by shard size, hits summed, predictions in shard order. */
function pooled(ms: ShardMetrics[], sizes: number[]): ArchStepMetrics {
  const n = sizes.reduce((a, b) => a + b, 0);
  const m = ms as unknown as ArchStepMetrics[];
  const mean = (k: 'loss' | 'ce'): number => m.reduce((s, x, i) => s + x[k] * sizes[i], 0) / n;
  const out: ArchStepMetrics = { loss: mean('loss'), ce: mean('ce'), hits: m.reduce((s, x) => s + x.hits, 0), expectedMs: m[0].expectedMs ?? 0 };
  if (m[0].predicted) {
    const predicted = new Int32Array(m.reduce((s, x) => s + x.predicted!.length, 0));
    let at = 0;
    for (const x of m) { predicted.set(x.predicted!, at); at += x.predicted!.length; }
    out.predicted = predicted;
  }
  return out;
}

/**
 * Steps on `workers` threads, which start from the state of the loop's session `s` (its weights
 * and alphas, and its optimizers' slots when `resumed`). First order only. Alternating: every
 * batch cut into one shard per worker. Simultaneous: 2 workers, one half of the step each on the
 * whole batch; a warm-up step (weight half only) runs on worker 1 alone, as it would in one thread.
 */
export async function parallelSteps(s: DartsSession, c: DartsConfig, opLatency: Record<string, number>, workers: number, resumed: boolean): Promise<DartsSteps> {
  if (c.update === 'simultaneous' && workers !== 2) throw new Error(`darts: the simultaneous update runs its two halves on 2 workers, not ${workers}`);
  const group: DataParallelGroup<PlainBatch, DartsStepArgs> = await createDataParallel({
    workers, replica: new URL(import.meta.url), args: { config: c, opLatency } satisfies ReplicaArgs, phases: [...PHASES], backend: c.backend, stepName,
  });
  try {
    const start = await s.save();
    const fresh: SavedTensor[] = [];
    await group.callAll('load', resumed ? start : { ...start, weightOptimizer: fresh, archOptimizer: fresh });
    await group.checkIdentical([...PHASES]);
  } catch (err) {
    await group.close();
    throw err;
  }
  const sharded = async (phase: (typeof PHASES)[number], b: DartsBatch, a: DartsStepArgs): Promise<ArchStepMetrics> => {
    const sizes = shardSizes(b.x.shape[0], workers);
    return pooled(await group.step(phase, shardBatch(b, sizes), sizes, a), sizes);
  };
  const whole = (b: DartsBatch): PlainBatch => shardBatch(b, [b.x.shape[0]])[0];
  const halves = async (val: DartsBatch | null, train: DartsBatch, a: DartsStepArgs): Promise<DartsStepResult> => {
    const weight = { phase: 'weight', shard: whole(train), weight: 1, bufferWeight: 1 };
    const [archM, weightM] = val
      ? await group.run([...PHASES], [{ phase: 'arch', shard: whole(val), weight: 1, bufferWeight: 0 }, weight], a)
      : await group.run(['weight'], [{ phase: null, shard: null, weight: 0, bufferWeight: 0 }, weight], a);
    const one = (m: ShardMetrics | null, b: DartsBatch): ArchStepMetrics => pooled([m!], [b.x.shape[0]]);
    return { arch: val ? one(archM, val) : null, weight: one(weightM, train) };
  };
  return {
    step: c.update === 'simultaneous'
      ? halves
      : async (val, train, a) => ({ arch: val ? await sharded('arch', val, a) : null, weight: await sharded('weight', train, a) }),
    async sync() {
      await group.checkIdentical([...PHASES]);
      await s.load(await group.callOne(0, 'save') as SessionState);
    },
    close: () => group.close(),
  };
}
