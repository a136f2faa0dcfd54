/**
 * The fidelity figures runs stored as events, read back through their contract's schemas: a
 * search's checks of its own evaluator, and `cellscape fidelity --table` measurements (on the
 * list runs that command makes). An event of another shape is left out and counted, never a 500.
 */
import { basename } from 'node:path';
import type { RunEvent, StoreReader } from '../../search/store/types.ts';
import { fidelityCheckDataSchema, fidelityTableDataSchema, LOW_FIDELITY, type FidelityTableData } from '../../search/contracts/fidelity.ts';
import type { FidelityAnswer, FidelityCheck, FidelityChecksAnswer, FidelityResult } from './api-types.ts';

/** How the measured evaluator is named in the table: its kind, and what makes it one of its kind. */
function evaluatorLabel(e: FidelityTableData['evaluator']): string {
  if (e.kind === 'zero-cost' && typeof e.proxy === 'string') return `zc:${e.proxy}`;
  if (e.kind === 'table' && typeof e.path === 'string') return `table:${basename(e.path)}`;
  return e.kind;
}

export function fidelityChecks(store: StoreReader, runId: number): FidelityChecksAnswer {
  const checks: FidelityCheck[] = [];
  for (const e of store.listEventsOfKind('fidelity-check', runId)) {
    const data = fidelityCheckDataSchema.safeParse(e.data);
    if (data.success) checks.push({ ...data.data, eventId: e.id, at: e.at });
  }
  return { checks, lowBelow: LOW_FIDELITY };
}

function resultOf(e: RunEvent): FidelityResult | null {
  const parsed = fidelityTableDataSchema.safeParse(e.data);
  if (!parsed.success) return null;
  const d = parsed.data;
  return {
    eventId: e.id, at: e.at, runId: e.runId, evaluator: evaluatorLabel(d.evaluator),
    budget: d.evaluator.kind === 'proxy' ? { epochs: d.proxy.epochs, trainImages: d.proxy.trainImages, valImages: d.proxy.valImages ?? null } : null,
    reference: basename(d.reference), referenceRows: d.referenceRows,
    n: d.n, spearman: d.spearman, spearmanLo: d.spearmanLo ?? null, spearmanHi: d.spearmanHi ?? null, kendall: d.kendall, top10: d.top10, secondsPerCandidate: d.secondsPerCandidate,
  };
}

export function fidelityResults(store: StoreReader): FidelityAnswer {
  const events = store.listEventsOfKind('fidelity');
  const results = events.map(resultOf).filter((r) => r !== null);
  return { results, lowBelow: LOW_FIDELITY, unreadable: events.length - results.length };
}
