/** Rank agreement of an evaluator's scores (accuracy, or a zero-cost proxy's) with a reference's accuracies, by architecture key. */
import { kendallTau, spearman, spearmanInterval, topPrecision } from './agreement.ts';
import { table } from '../run/report.ts';

export interface Fidelity {
  n: number; spearman: number; kendall: number; top10: number; secondsPerCandidate: number;
  /** 90 % bootstrap interval of the Spearman: where it includes 0, the ranking cannot be told from chance. */
  spearmanLo: number; spearmanHi: number;
}

/** Over the evaluated architectures the reference has; seconds are the evaluator's. */
export function fidelityOf(reference: ReadonlyMap<string, number>, evaluated: readonly { key: string; score: number; seconds: number }[]): Fidelity {
  const pairs = evaluated.filter((e) => reference.has(e.key));
  const ref = pairs.map((e) => reference.get(e.key)!), got = pairs.map((e) => e.score);
  const { lo, hi } = spearmanInterval(ref, got);
  return {
    n: pairs.length, spearman: spearman(ref, got), kendall: kendallTau(ref, got), top10: topPrecision(ref, got, 0.1),
    secondsPerCandidate: pairs.reduce((s, e) => s + e.seconds, 0) / pairs.length, spearmanLo: lo, spearmanHi: hi,
  };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
// A table lookup stores no training time: its seconds are unknown, not NaN.
const fmtSeconds = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');

export function formatFidelity(f: Fidelity): string {
  return `spearman ${fmt(f.spearman)} (90 % ${fmt(f.spearmanLo)} to ${fmt(f.spearmanHi)}), kendall ${fmt(f.kendall)}, top-10% ${fmt(f.top10)} (n ${f.n}, ${fmtSeconds(f.secondsPerCandidate)} s a candidate)`;
}

/** The figures as a text table; seconds are the judged evaluator's. */
export function fidelityTable(f: Fidelity): string {
  return table(['n', 'spearman', '90% interval', 'kendall', 'top10%', 's/candidate'], [[String(f.n), fmt(f.spearman), `${fmt(f.spearmanLo)} to ${fmt(f.spearmanHi)}`, fmt(f.kendall), fmt(f.top10), fmtSeconds(f.secondsPerCandidate)]]);
}
