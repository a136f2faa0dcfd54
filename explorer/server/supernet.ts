/**
 * A single-path supernet run as the explorer shows it: its epochs (Once-for-All's with their
 * phase), the watched subnets' accuracies epoch by epoch, from the epochs' notes, and the subnets
 * `cellscape specialise` exported from it, found by their 'specialised' events. Stored data of
 * another shape is left out, never a 500.
 */
import type { Run, StoreReader } from '../../search/store/types.ts';
import {
  epochEventKind, PATH_TRAINERS, SPECIALISED_EVENT, specialisedEventSchema, specialisedExtraSchema, supernetEpochDataSchema,
} from '../../search/contracts/supernet.ts';
import type { SpecialisedSubnet, SupernetAnswer, WatchedSubnet } from './api-types.ts';

function specialisedFrom(store: StoreReader, runId: number): SpecialisedSubnet[] {
  const out: SpecialisedSubnet[] = [];
  for (const e of store.listEventsOfKind(SPECIALISED_EVENT)) {
    const link = specialisedEventSchema.safeParse(e.data);
    if (!link.success || link.data.supernetRun !== runId) continue;
    const c = store.getCandidate(link.data.candidate);
    const figures = specialisedExtraSchema.safeParse(c?.extra?.specialised);
    if (!c || !figures.success) continue;
    const f = figures.data;
    out.push({
      runId: c.runId, candidateId: c.id, metric: f.metric, limit: f.limit, predicted: c.metrics[f.metric] ?? null, oneShotAccuracy: c.metrics.accuracy ?? null,
      measuredLatencyMs: f.measuredLatencyMs, testAccuracy: f.testAccuracy, fineTuneEpochs: f.fineTuneEpochs,
      params: c.metrics.params ?? null, flops: c.metrics.flops ?? null, genotype: c.genotype,
    });
  }
  return out;
}

/** Null for a run of another strategy. */
export function supernetAnswer(store: StoreReader, run: Run): SupernetAnswer | null {
  if (!(PATH_TRAINERS as readonly string[]).includes(run.strategy)) return null;
  const runId = run.id;
  const notes = new Map<number, { phase?: string; subnets: { key: string; accuracy: number }[] }>();
  for (const e of store.listEventsOfKind(epochEventKind(run.strategy), runId)) {
    const d = supernetEpochDataSchema.safeParse(e.data);
    if (d.success) notes.set(d.data.epoch, d.data);
  }
  const epochs = store.listEpochs(runId, null);
  const watched: WatchedSubnet[] = [];
  const byKey = new Map<string, WatchedSubnet>();
  epochs.forEach((e, k) => {
    for (const s of notes.get(e.epoch)?.subnets ?? []) {
      let w = byKey.get(s.key);
      if (!w) { w = { key: s.key, accuracy: epochs.map(() => null) }; byKey.set(s.key, w); watched.push(w); }
      w.accuracy[k] = s.accuracy;
    }
  });
  return {
    strategy: run.strategy,
    epochs: epochs.map((e) => ({
      epoch: e.epoch, phase: notes.get(e.epoch)?.phase ?? null, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy,
      valLoss: e.valLoss, valAccuracy: e.valAccuracy, seconds: e.seconds, genotype: e.genotype ?? null,
    })),
    watched,
    specialised: specialisedFrom(store, runId),
  };
}
