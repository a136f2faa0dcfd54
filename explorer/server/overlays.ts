/**
 * What the explorer draws over a run's Pareto plot besides its own candidates: the named
 * reference architectures trained into the same database (`cellscape references`) on the run's
 * data set, each the mean of its trainings at one budget, and the families `cellscape scale`
 * grew from its candidates. Read from their stored events ('references', 'scaled-family') and
 * candidates; an event of another shape is left out, never a 500.
 */
import { z } from 'zod';
import type { StoreReader } from '../../search/store/types.ts';
import { REFERENCES_EVENT, referencesDataSchema } from '../../search/contracts/references.ts';
import { SCALED_FAMILY_EVENT, scaledFamilyDataSchema } from '../../search/contracts/scaling.ts';
import type { Metric, OverlaysAnswer, ReferencePoint, ScaledFamily } from './api-types.ts';

const budgetOf = z.looseObject({ proxy: z.looseObject({ epochs: z.int(), trainImages: z.int(), valImages: z.int() }) });

export function referencePoints(store: StoreReader, runId: number): ReferencePoint[] {
  const target = store.getRun(runId);
  if (!target) return [];
  const groups = new Map<string, ReferencePoint & { sums: Map<Metric, number[]> }>();
  for (const e of store.listEventsOfKind(REFERENCES_EVENT)) {
    const data = referencesDataSchema.safeParse(e.data);
    const run = store.getRun(e.runId);
    if (!data.success || !run || run.dataset !== target.dataset || run.task !== target.task) continue;
    const b = budgetOf.safeParse(run.config);
    const budget = b.success ? { epochs: b.data.proxy.epochs, trainImages: b.data.proxy.trainImages, valImages: b.data.proxy.valImages } : null;
    for (const c of store.listCandidates(run.id, { status: 'done' })) {
      const name = data.data.names[c.key];
      if (name === undefined) continue;
      const key = `${name}|${budget ? `${budget.epochs}x${budget.trainImages}/${budget.valImages}` : ''}`;
      let g = groups.get(key);
      if (!g) {
        g = { name, space: data.data.space, budget, n: 0, candidateIds: [], metrics: {}, sums: new Map() };
        groups.set(key, g);
      }
      if (g.candidateIds.includes(c.id)) continue;
      g.n++;
      g.candidateIds.push(c.id);
      for (const [m, v] of Object.entries(c.metrics)) if (typeof v === 'number' && Number.isFinite(v)) {
        const list = g.sums.get(m as Metric);
        if (list) list.push(v); else g.sums.set(m as Metric, [v]);
      }
    }
  }
  // A metric's mean only where every training measured it: a mean of some seeds would mislead.
  return [...groups.values()].map(({ sums, ...g }) => ({
    ...g,
    metrics: Object.fromEntries([...sums].filter(([, v]) => v.length === g.n).map(([m, v]) => [m, v.reduce((a, b) => a + b, 0) / v.length])),
  }));
}

/** The families `cellscape scale` grew from the run's candidates, each from its source (phi 0) up; members that failed are left out. */
export function scaledFamilies(store: StoreReader, runId: number): ScaledFamily[] {
  const out: ScaledFamily[] = [];
  for (const e of store.listEventsOfKind(SCALED_FAMILY_EVENT)) {
    const parsed = scaledFamilyDataSchema.safeParse(e.data);
    if (!parsed.success || parsed.data.sourceRun !== runId) continue;
    const d = parsed.data;
    const points = [{ phi: 0, candidate: d.sourceCandidate }, ...d.members].flatMap(({ phi, candidate }) => {
      const c = candidate === null ? undefined : store.getCandidate(candidate);
      return c?.status === 'done' ? [{ phi, candidateId: c.id, metrics: c.metrics as Partial<Record<Metric, number>> }] : [];
    });
    out.push({ eventId: e.id, runId: e.runId, label: d.label, alpha: d.alpha, beta: d.beta, gamma: d.gamma, points });
  }
  return out;
}

export function overlays(store: StoreReader, runId: number): OverlaysAnswer {
  return { references: referencePoints(store, runId), families: scaledFamilies(store, runId) };
}
