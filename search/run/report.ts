/** Text and JSON views of a run: its Pareto front and failures, for `search`, `resume` and `show`. */
import type { Candidate, RunSummary } from '../store/store.ts';
import { metricDirection } from '../objectives/metrics.ts';
import { paretoFront } from '../objectives/pareto.ts';
import type { RunConfig } from './config.ts';

/** Done candidates not dominated on the run's objectives, best accuracy first. */
export function frontOf(candidates: readonly Candidate[], objectives: RunConfig['objectives']): Candidate[] {
  const columns = { accuracy: 'accuracy', latencyMs: 'latencyMs', params: 'params', flops: 'flops' } as const;
  const scored = candidates.filter((c) => c.status === 'done' && objectives.every((o) => typeof c[columns[o]] === 'number'));
  const idx = paretoFront(scored.map((c) => objectives.map((o) => c[columns[o]] as number)), objectives.map((o) => metricDirection[o]));
  return idx.map((i) => scored[i]).sort((a, b) => b.accuracy! - a.accuracy! || a.id - b.id);
}

const fmt = (v: number | null, digits: number, unit = ''): string => (v === null ? '-' : `${v.toFixed(digits)}${unit}`);
const count = (v: number | null): string => {
  if (v === null) return '-';
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(v);
};

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Cell keys run to hundreds of characters: the text view shows their start (--json has them whole). */
const KEY_WIDTH = 72;
const shortKey = (key: string): string => (key.length > KEY_WIDTH ? `${key.slice(0, KEY_WIDTH - 1)}…` : key);

export function formatFront(front: readonly Candidate[]): string {
  return table(['id', 'accuracy', 'latency', 'params', 'FLOPs', 'key'], front.map((c) => [
    String(c.id), fmt(c.accuracy, 4), fmt(c.latencyMs, 2, ' ms'), count(c.params), count(c.flops), shortKey(c.key),
  ]));
}

export function formatCounts(s: RunSummary): string {
  const k = s.counts;
  return `${k.done} done, ${k.failed} failed, ${k.running + k.pending + k.stale} unfinished`;
}
