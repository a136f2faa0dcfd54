/** Text and JSON views of a run: its Pareto front and failures, for `search`, `resume` and `show`. */
import type { Candidate, RunSummary } from '../store/store.ts';
import { metricDirection } from '../objectives/metrics.ts';
import { metricDef, metricNames, type MetricName } from '../contracts/metrics.ts';
import { paretoFront } from '../objectives/pareto.ts';
import type { RunConfig } from './config.ts';

/** Done candidates not dominated on the run's objectives, best on the first objective first. */
export function frontOf(candidates: readonly Candidate[], objectives: RunConfig['objectives']): Candidate[] {
  const scored = candidates.filter((c) => c.status === 'done' && objectives.every((o) => typeof c.metrics[o] === 'number'));
  const idx = paretoFront(scored.map((c) => objectives.map((o) => c.metrics[o]!)), objectives.map((o) => metricDirection[o]));
  const sign = metricDirection[objectives[0]] === 'max' ? -1 : 1;
  return idx.map((i) => scored[i]).sort((a, b) => sign * (a.metrics[objectives[0]]! - b.metrics[objectives[0]]!) || a.id - b.id);
}

const count = (v: number): string => {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(v);
};

/** A metric's value as text, in the registry's format for it ('-' when not measured). */
export function formatMetric(name: MetricName, v: number | undefined | null): string {
  if (v == null) return '-';
  switch (metricDef(name).format) {
    case 'percent': return v.toFixed(4);
    case 'ms': return `${v.toFixed(2)} ms`;
    case 'seconds': return `${v.toFixed(1)} s`;
    case 'count': return count(v);
    case 'number': return String(+v.toPrecision(4));
  }
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Cell keys run to hundreds of characters: the text view shows their start (--json has them whole). */
const KEY_WIDTH = 72;
const shortKey = (key: string): string => (key.length > KEY_WIDTH ? `${key.slice(0, KEY_WIDTH - 1)}…` : key);

/** The front as a table: the objectives first, then the other registered metrics its candidates have. */
export function formatFront(front: readonly Candidate[], objectives: readonly MetricName[]): string {
  const names = [...objectives, ...metricNames.filter((m) => !objectives.includes(m) && front.some((c) => c.metrics[m] !== undefined))];
  return table(['id', ...names, 'key'], front.map((c) => [String(c.id), ...names.map((m) => formatMetric(m, c.metrics[m])), shortKey(c.key)]));
}

export function formatCounts(s: RunSummary): string {
  const k = s.counts;
  return `${k.done} done, ${k.failed} failed, ${k.running + k.pending + k.stale} unfinished`;
}
