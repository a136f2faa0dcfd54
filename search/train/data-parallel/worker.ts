/**
 * A data-parallel worker thread: builds its replica, and for each step computes its shard's
 * gradients, writes them (and its buffers) into its slot of shared memory, waits at the barrier
 * for every worker, then averages all slots in worker order (the same float operations on every
 * worker, so the same result) and applies the average. Replies carry values, errors as data.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend/index.ts';
import { ARRIVED, CLOSING, CONTROL_CELLS, GENERATION, type FromWorker, type InitReply, type ToWorker } from './protocol.ts';
import type { CreateReplica, Replica } from './replica.ts';
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

function slotFloatsOf(r: Replica): number {
  const size = (vs: tf.Variable[]): number => vs.reduce((s, v) => s + v.size, 0);
  return Math.max(...phases.map((p) => size(r.params(p)))) + size(r.buffers());
}

function step(phase: string, shard: unknown, args: unknown, fractions: number[]): unknown {
  if (!replica || !shared) throw new Error('data-parallel worker: step before init and attach');
  const { slots, control, index, workers, slotFloats } = shared;
  const vars = replica.params(phase);
  const buffers = replica.buffers();
  const { grads, metrics } = replica.gradients(phase, shard, args);
  let used = 0;
  try {
    if (grads.length !== vars.length) throw new Error(`replica gave ${grads.length} gradients for the ${vars.length} variables of phase '${phase}'`);
    const mine = slots.subarray(index * slotFloats, (index + 1) * slotFloats);
    for (const t of [...grads, ...buffers]) { mine.set(t.dataSync(), used); used += t.size; }
  } finally {
    tf.dispose(grads);
  }
  barrier(control, workers);
  const mean = new Float32Array(used);
  for (let w = 0; w < workers; w++) {
    const f = fractions[w];
    const theirs = slots.subarray(w * slotFloats, w * slotFloats + used);
    for (let j = 0; j < used; j++) mean[j] += f * theirs[j];
  }
  let at = 0;
  const take = (v: tf.Variable): tf.Tensor => { const t = tf.tensor(mean.subarray(at, at + v.size), v.shape); at += v.size; return t; };
  const averaged = vars.map(take);
  try {
    replica.apply(phase, averaged, args);
  } finally {
    tf.dispose(averaged);
  }
  for (const b of buffers) tf.tidy(() => b.assign(take(b)));
  return metrics;
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
    case 'step': return step(m.phase, m.shard, m.args, m.fractions);
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
