/**
 * Where a supernet strategy's commits go: each into the store in one transaction (its epoch,
 * snapshots and notes, then the state they lead to), so that the state a resume reads never
 * runs ahead of what was recorded.
 */
import type { Store } from '../store/store.ts';
import type { SupernetSink } from '../strategies/supernet.ts';

export function storeSink<S>(store: Store, runId: number): SupernetSink<S> {
  return {
    commit(c) {
      store.transaction(() => {
        if (c.epoch) {
          const e = c.epoch;
          store.addEpoch(runId, { epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valLoss: e.valLoss, valAccuracy: e.valAccuracy, seconds: e.seconds, genotype: e.genotype });
        }
        for (const s of c.snapshots ?? []) store.addArchSnapshot(runId, s);
        for (const n of c.notes ?? []) store.addEvent(runId, n);
        store.saveRunState(runId, c.state);
      });
    },
  };
}
