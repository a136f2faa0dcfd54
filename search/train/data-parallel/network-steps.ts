/**
 * The training loop's half of networkReplica (network-replica.ts): RemoteSteps (train/loop.ts) on
 * a group of worker threads. Each batch is cut into one shard per worker; the pooled loss is the
 * shards' mean weighted by their sizes, which is the batch's mean, and the hits add up. The
 * workers' weights are checked equal (by fingerprint) when they receive the loop's state and
 * before worker 0's state goes back to the loop at each epoch's end; what each worker's step
 * selected (networkReplica's beforeStep) is compared after every step, by the group.
 */
import type { Batch } from '../../data/batches.ts';
import type { NetworkState } from '../checkpoint.ts';
import type { RemoteSteps } from '../loop.ts';
import { createDataParallel } from './group.ts';
import { labelledShards, type LabelledShard, type NetworkStepArgs, type NetworkStepMetrics } from './network-replica.ts';
import { shardSizes } from './replica.ts';

/** networkReplica's one phase. */
const PHASE = 'weight';

export interface NetworkStepsOptions {
  workers: number;
  /** The module whose createReplica(args) returns a networkReplica (a file URL). */
  replica: URL;
  args: unknown;
  backend?: string;
  /** The images' shape (batch dimension left out) and the classes, to cut the loop's batches into shards. */
  shape: readonly number[];
  classes: number;
}

export type NetworkSteps = RemoteSteps & { close(): Promise<void> };

/** How the group's errors name a step: by the loop's step number, from which a single-path trainer selects its subnet. */
export const stepName = (a: NetworkStepArgs): string => `step ${a.step}`;

export async function networkSteps(o: NetworkStepsOptions): Promise<NetworkSteps> {
  const group = await createDataParallel<LabelledShard, NetworkStepArgs>({ workers: o.workers, replica: o.replica, args: o.args, phases: [PHASE], backend: o.backend, stepName });
  const shape = [...o.shape];
  return {
    async start(state) {
      await group.callAll('load', state);
      await group.checkIdentical([PHASE]);
    },
    async step(batch: Batch, lr: number, step: number) {
      const sizes = shardSizes(batch.size, o.workers);
      const ms = await group.step(PHASE, labelledShards(batch.x, batch.y, shape, o.classes, sizes), sizes, { step, lr }) as unknown as NetworkStepMetrics[];
      return {
        loss: ms.reduce((a, m) => a + m.loss * m.n, 0) / batch.size,
        hits: ms.reduce((a, m) => a + m.hits, 0),
        // Every worker applied the same average: its norm is worker 0's.
        gradNorm: ms[0].gradNorm ?? NaN,
      };
    },
    async state() {
      await group.checkIdentical([PHASE]);
      return await group.callOne(0, 'save') as NetworkState;
    },
    close: () => group.close(),
  };
}
