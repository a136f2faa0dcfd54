/** Pure helpers of the supernet panel: phase spans, watched subnets' names, specialised subnets as plot points. */
import type { SpecialisedSubnet, SupernetEpoch } from '../../server/api-types.ts';
import { fmtMetric } from './metrics.ts';

export interface PhaseSpan { phase: string; first: number; last: number }

/** Consecutive epochs of one phase as spans, in order (none for SPOS, whose epochs have no phase). */
export function phaseSpans(epochs: SupernetEpoch[]): PhaseSpan[] {
  const out: PhaseSpan[] = [];
  for (const e of epochs) {
    if (e.phase === null) continue;
    const last = out.at(-1);
    if (last && last.phase === e.phase && last.last === e.epoch - 1) last.last = e.epoch;
    else out.push({ phase: e.phase, first: e.epoch, last: e.epoch });
  }
  return out;
}

/**
 * A watched subnet's name: Once-for-All watches the space's largest and smallest subnets first,
 * then random ones (strategies/ofa/sampling.ts, watchedElastic); SPOS watches random ones.
 */
export function watchedName(strategy: string, index: number, count: number): string {
  if (strategy === 'ofa' && count >= 2 && index < 2) return index === 0 ? 'largest' : 'smallest';
  return `subnet ${strategy === 'ofa' && count >= 2 ? index - 1 : index + 1}`;
}

/** The target of a specialised subnet, as `cellscape specialise` names it. */
export function targetLabel(s: Pick<SpecialisedSubnet, 'metric' | 'limit'>): string {
  return `≤ ${fmtMetric(s.metric, s.limit)}`;
}

/** The accuracy a specialised subnet is drawn at: its test accuracy when measured, else its one-shot validation accuracy. */
export const shownAccuracy = (s: SpecialisedSubnet): number | null => s.testAccuracy ?? s.oneShotAccuracy;
