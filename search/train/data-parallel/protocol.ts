/**
 * Messages between a data-parallel group (group.ts) and its workers (worker.ts), and the layout
 * of the memory they share: one slot of float32s per worker, holding the gradients it computed
 * (of its phase, none when it has none) then its buffers, and an Int32 control block for the
 * barrier every worker passes before it averages the slots.
 */
import type { ShardMetrics } from './replica.ts';

export type ToWorker =
  | { id: number; type: 'init'; replica: string; args: unknown; phases: string[]; backend?: string }
  | { id: number; type: 'attach'; slots: SharedArrayBuffer; control: SharedArrayBuffer; index: number; workers: number; slotFloats: number }
  /** One step of `phases` (applied in that order); `work[i]` is what worker i computes and how its slot counts; `shard` is this worker's. */
  | { id: number; type: 'step'; phases: string[]; shard: unknown; args: unknown; work: Work[] }
  | { id: number; type: 'call'; method: string; args: unknown }
  | { id: number; type: 'digest'; phases: string[] };

/**
 * A worker's part of a step: the phase whose gradients it computes (null: none) and the weights
 * of its slot in the averages, of its gradients among the workers of that phase (data-parallel:
 * its share of the batch) and of its buffers among all workers (0: left out).
 */
export interface Work { phase: string | null; weight: number; bufferWeight: number }

export type FromWorker =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; stack?: string };

/** What `init` answers: the floats a slot needs (the largest phase's gradients plus the buffers). */
export interface InitReply { slotFloats: number }

/** A step's answer: the metrics of the phase the worker computed (null: none) and, per phase of the step in order, what its pass drew (Replica.drawn). */
export interface StepReply { metrics: ShardMetrics | null; drawn: Array<string | null> }

/** Control block: arrivals at the barrier, its generation, and a flag the group sets to release waiting workers when it closes. */
export const ARRIVED = 0;
export const GENERATION = 1;
export const CLOSING = 2;
export const CONTROL_CELLS = 3;
