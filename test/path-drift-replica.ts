/**
 * A replica module for test/path-parallel-draws.test.ts: a single-path trainer's own worker
 * replica (the createReplica of the module `args.module`, SPOS's or Once-for-All's, through
 * strategies/one-shot/parallel.ts), which the test can knock off its draws on one worker through
 * `call`: 'reseed' rebuilds it from the config with the next seed, carrying over its weights and
 * optimizer's slots, so that only the subnets it selects differ (they come from seed and step).
 */
import type { NetworkState } from '../search/train/checkpoint.ts';
import type { LabelledShard, NetworkStepArgs } from '../search/train/data-parallel/network-replica.ts';
import type { CreateReplica, Replica } from '../search/train/data-parallel/replica.ts';

type Args = { module: string; config: { seed: number } };

export async function createReplica(args: unknown): Promise<Replica<LabelledShard, NetworkStepArgs>> {
  const base = args as Args;
  const { createReplica: trainerReplica } = await import(base.module) as { createReplica: CreateReplica<LabelledShard, NetworkStepArgs> };
  let inner = await trainerReplica(base);
  return {
    params: (phase) => inner.params(phase),
    buffers: () => inner.buffers(),
    gradients: (phase, shard, a) => inner.gradients(phase, shard, a),
    drawn: (phase) => inner.drawn!(phase),
    apply: (phase, grads, a) => inner.apply(phase, grads, a),
    async call(method, a) {
      if (method === 'reseed') {
        const state = await inner.call('save', null) as NetworkState;
        inner.dispose();
        inner = await trainerReplica({ ...base, config: { ...base.config, seed: base.config.seed + 1 } });
        await inner.call('load', state);
        return null;
      }
      return await inner.call(method, a);
    },
    dispose: () => inner.dispose(),
  };
}
