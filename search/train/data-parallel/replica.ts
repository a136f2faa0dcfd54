/**
 * What one worker of a data-parallel group trains: a replica of the model, built in every worker
 * from the same plain arguments, which computes gradients on its shard of a batch and applies
 * the group's average of them. A phase names one kind of step (DARTS: 'arch' then 'weight'; a
 * single-path supernet: 'weight' after choosing the step's path from `args`); each phase updates
 * its own fixed list of variables.
 *
 * A replica module (given to createDataParallel by URL) exports `createReplica(args)`. SPOS's and
 * Once-for-All's build their supernet from the run's config and return networkReplica(net, its
 * optimizer options, { beforeStep: select the subnet of step `args.step` and return it as text,
 * which the replica reports as its draw }) (network-replica.ts,
 * strategies/one-shot/parallel.ts); the training loop then steps the group through
 * network-steps.ts, which cuts each batch into labelledShards.
 */
import type * as tf from '@tensorflow/tfjs';

/** Numbers (or arrays of them) a worker reports for its shard; the caller combines them. */
export type ShardMetrics = Record<string, number | Int32Array | Float32Array>;

export interface Replica<Shard = unknown, Args = unknown> {
  /** The variables a phase updates, in a fixed order (gradients come and go in this order). */
  params(phase: string): tf.Variable[];
  /**
   * State that is not trained but must stay equal on every worker: BatchNorm running statistics.
   * After each step they are replaced by their mean over the workers (their update is linear in
   * the shard's mean, so the mean is what one worker on the whole batch would hold, up to the
   * variance's shard terms).
   */
  buffers(): tf.Variable[];
  /** The loss's gradients on this shard (one per variable of params(phase), tensors the group disposes) and what to report. */
  gradients(phase: string, shard: Shard, args: Args): { grads: tf.Tensor[]; metrics: ShardMetrics };
  /**
   * A phase of the step that another worker computes (group.run): called where this worker would
   * have computed it, for state the computation advances besides the variables (DARTS's DrNAS
   * draws its mixing weights from a generator), so that it stays equal on every worker.
   */
  skip?(phase: string, args: Args): void;
  /**
   * What this worker's pass of the phase drew at random in the step just run, computed or
   * skipped (GDAS's ops, a sampled cell), as a short digest; null where the phase draws nothing.
   * Workers that drew different paths still apply the same averaged gradients and so keep equal
   * weights, which checkIdentical cannot tell apart from a sound run: the group compares these
   * after every step instead and throws on the first that differs.
   */
  drawn?(phase: string): string | null;
  /** Applies the group's averaged gradients of the phase (the same tensors on every worker). */
  apply(phase: string, grads: tf.Tensor[], args: Args): void;
  /** Anything else the caller asks every worker or one of them (save or load a checkpoint, read weights). */
  call(method: string, args: unknown): unknown;
  dispose(): void;
}

export type CreateReplica<Shard = unknown, Args = unknown> = (args: unknown) => Promise<Replica<Shard, Args>> | Replica<Shard, Args>;

/**
 * How many of `n` examples each of `workers` shards takes: as even as can be, the first ones
 * one larger. A worker with no example would average in a zero gradient, so n must reach workers.
 */
export function shardSizes(n: number, workers: number): number[] {
  if (n < workers) throw new Error(`a batch of ${n} cannot be split over ${workers} workers`);
  return Array.from({ length: workers }, (_, i) => Math.floor(n / workers) + (i < n % workers ? 1 : 0));
}
