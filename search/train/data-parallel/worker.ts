/**
 * A data-parallel worker thread: builds its replica, and for each step computes its shard's
 * gradients (of its phase of the step), writes them (and its buffers) into its slot of shared
 * memory, waits at the barrier for every worker, then for each phase of the step averages the
 * slots of the workers that computed it, in worker order (the same float operations on every
 * worker, so the same result), and applies the average. A step's reply carries its metrics and
 * what each phase's pass drew (Replica.drawn), for the group to compare. Replies carry values,
 * errors as data.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend/index.ts';
import { ARRIVED, CLOSING, CONTROL_CELLS, GENERATION, type FromWorker, type InitReply, type StepReply, type ToWorker, type Work } from './protocol.ts';
import type { CreateReplica, Replica, ShardMetrics } from './replica.ts';
import { variablesDigest } from './digest.ts';

const port = parentPort!;
let replica: Replica | null = null;
let phases: string[] = [];
let shared: { slots: Float32Array; control: Int32Array; index: number; workers: number; slotFloats: number } | null = null;

const BARRIER_POLL_MS = 1000;

/** Waits until every worker has written its slot; a closing group releases it with an error. */
function barrier(control: Int32Array, workers: number): void {
  const generation = Atomics.load(control, GENERATION);
  if (Atomics.add(control, ARRIVED, 1) === workers - 1) {
    Atomics.store(control, ARRIVED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  while (Atomics.load(control, GENERATION) === generation) {
    if (Atomics.load(control, CLOSING)) throw new Error('the data-parallel group closed during a step');
    Atomics.wait(control, GENERATION, generation, BARRIER_POLL_MS);
  }
}

const floatsOf = (vs: tf.Variable[]): number => vs.reduce((s, v) => s + v.size, 0);

function slotFloatsOf(r: Replica): number {
  return Math.max(...phases.map((p) => floatsOf(r.params(p)))) + floatsOf(r.buffers());
}

/**
 * The average of `n` floats at `offset` in the slots of the workers `from`, weighted by `weight`,
 * summed in worker order (the same float operations on every worker). A lone worker of weight 1
 * is copied as it is.
 */
function averageOf(slots: Float32Array, slotFloats: number, from: number[], weight: (w: number) => number, offset: (w: number) => number, n: number): Float32Array {
  const at = (w: number): Float32Array => slots.subarray(w * slotFloats + offset(w), w * slotFloats + offset(w) + n);
  if (from.length === 1 && weight(from[0]) === 1) return at(from[0]).slice();
  const mean = new Float32Array(n);
  for (const w of from) {
    const f = weight(w);
    const theirs = at(w);
    for (let j = 0; j < n; j++) mean[j] += f * theirs[j];
  }
  return mean;
}

/** The values of `vars` cut in order from `flat` (tensors the caller disposes). */
const tensorsOf = (flat: Float32Array, vars: tf.Variable[]): tf.Tensor[] => {
  let at = 0;
  return vars.map((v) => { const t = tf.tensor(flat.subarray(at, at + v.size), v.shape); at += v.size; return t; });
};

function step(phases: string[], shard: unknown, args: unknown, work: Work[]): StepReply {
  if (!replica || !shared) throw new Error('data-parallel worker: step before init and attach');
  const r = replica;
  const { slots, control, index, workers, slotFloats } = shared;
  const mine = work[index];
  const buffers = r.buffers();
  let metrics: ShardMetrics | null = null;
  let used = 0;
  // The phases in order, this worker's computed and the others skipped, so that state a phase's
  // computation advances (a random generator) moves alike on every worker; each phase's draw,
  // computed or skipped, goes back for the group to compare.
  const drawn: Array<string | null> = [];
  for (const phase of phases) {
    if (phase !== mine.phase) { r.skip?.(phase, args); drawn.push(r.drawn?.(phase) ?? null); continue; }
    const vars = r.params(phase);
    const { grads, metrics: m } = r.gradients(phase, shard, args);
    metrics = m;
    try {
      if (grads.length !== vars.length) throw new Error(`replica gave ${grads.length} gradients for the ${vars.length} variables of phase '${phase}'`);
      for (const t of grads) { slots.set(t.dataSync(), index * slotFloats + used); used += t.size; }
    } finally {
      tf.dispose(grads);
    }
    drawn.push(r.drawn?.(phase) ?? null);
  }
  const slot = slots.subarray(index * slotFloats, (index + 1) * slotFloats);
  for (const b of buffers) { slot.set(b.dataSync(), used); used += b.size; }
  barrier(control, workers);
  const gradFloats = (w: number): number => (work[w].phase === null ? 0 : floatsOf(r.params(work[w].phase!)));
  for (const phase of phases) {
    const vars = r.params(phase);
    const from = work.flatMap((x, w) => (x.phase === phase && x.weight > 0 ? [w] : []));
    const averaged = tensorsOf(averageOf(slots, slotFloats, from, (w) => work[w].weight, () => 0, floatsOf(vars)), vars);
    try {
      r.apply(phase, averaged, args);
    } finally {
      tf.dispose(averaged);
    }
  }
  const fromB = work.flatMap((x, w) => (x.bufferWeight > 0 ? [w] : []));
  const values = tensorsOf(averageOf(slots, slotFloats, fromB, (w) => work[w].bufferWeight, gradFloats, floatsOf(buffers)), buffers);
  buffers.forEach((b, i) => b.assign(values[i]));
  tf.dispose(values);
  return { metrics, drawn };
}

async function handle(m: ToWorker): Promise<unknown> {
  switch (m.type) {
    case 'init': {
      await initBackend({ backend: m.backend });
      const mod = await import(m.replica) as { createReplica?: CreateReplica };
      if (typeof mod.createReplica !== 'function') throw new Error(`${m.replica} exports no createReplica`);
      phases = m.phases;
      replica = await mod.createReplica(m.args);
      return { slotFloats: slotFloatsOf(replica) } satisfies InitReply;
    }
    case 'attach':
      if (m.slotFloats < slotFloatsOf(replica!)) throw new Error(`slot of ${m.slotFloats} floats is too small`);
      shared = { slots: new Float32Array(m.slots), control: new Int32Array(m.control, 0, CONTROL_CELLS), index: m.index, workers: m.workers, slotFloats: m.slotFloats };
      return null;
    case 'step': return step(m.phases, m.shard, m.args, m.work);
    case 'call': return await replica!.call(m.method, m.args);
    case 'digest': return variablesDigest([...m.phases.flatMap((p) => replica!.params(p)), ...replica!.buffers()]);
  }
}

port.on('message', (m: ToWorker) => {
  handle(m).then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies FromWorker),
    (err: Error) => port.postMessage({ id: m.id, ok: false, error: err?.message ?? String(err), stack: err?.stack } satisfies FromWorker),
  );
});
