/**
 * A replica module for test/darts-parallel-draws.test.ts: DARTS's own worker replica
 * (strategies/darts/parallel.ts), which the test can knock off its draws on one worker through
 * `call`: 'reseed' rebuilds it from the config with the next seed, carrying over its weights,
 * alphas and optimizers' slots (so that only what it draws differs: the epoch's generator and a
 * uniform-cell step's cell both come from the seed); 'extra-draw' skips a half once more (its
 * epoch generator moves one pass ahead of the other workers').
 */
import { createReplica as dartsReplica, type PlainBatch, type ReplicaArgs } from '../search/strategies/darts/parallel.ts';
import type { DartsStepArgs } from '../search/strategies/darts/session.ts';
import type { Replica } from '../search/train/data-parallel/replica.ts';

export async function createReplica(args: unknown): Promise<Replica<PlainBatch, DartsStepArgs>> {
  const base = args as ReplicaArgs;
  let inner = await dartsReplica(base);
  return {
    params: (phase) => inner.params(phase),
    buffers: () => inner.buffers(),
    gradients: (phase, shard, a) => inner.gradients(phase, shard, a),
    skip: (phase, a) => inner.skip!(phase, a),
    drawn: (phase) => inner.drawn!(phase),
    apply: (phase, grads, a) => inner.apply(phase, grads, a),
    async call(method, a) {
      if (method === 'reseed') {
        const state = await inner.call('save', null);
        inner.dispose();
        inner = await dartsReplica({ ...base, config: { ...base.config, seed: base.config.seed + 1 } });
        await inner.call('load', state);
        return null;
      }
      if (method === 'extra-draw') {
        const { phase, step } = a as { phase: string; step: DartsStepArgs };
        inner.skip!(phase, step);
        return null;
      }
      return await inner.call(method, a);
    },
    dispose: () => inner.dispose(),
  };
}
