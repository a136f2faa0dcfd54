import { format } from 'd3';
import type { CandidateColumns, Metric } from '../../server/api-types.ts';

export const METRICS: Metric[] = ['accuracy', 'latency', 'params', 'flops'];

interface MetricInfo { label: string; unit: string; fmt: (v: number) => string; log: boolean }

const si = format('.3~s');
export const METRIC_INFO: Record<Metric, MetricInfo> = {
  accuracy: { label: 'Accuracy', unit: '%', fmt: (v) => `${(v * 100).toFixed(2)}%`, log: false },
  latency: { label: 'Latency (ms)', unit: 'ms', fmt: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`, log: true },
  params: { label: 'Parameters', unit: '', fmt: (v) => si(v).replace('G', 'B'), log: true },
  flops: { label: 'FLOPs (MACs)', unit: '', fmt: (v) => si(v).replace('G', 'B'), log: true },
};

export function fmtMetric(m: Metric, v: number | null | undefined): string {
  return v == null || Number.isNaN(v) ? '—' : METRIC_INFO[m].fmt(v);
}

export function column(cols: CandidateColumns, m: Metric): (number | null)[] {
  return cols[m];
}

export function fmtSeconds(s: number | null | undefined): string {
  if (s == null) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function fmtDate(ms: number | null | undefined): string {
  if (ms == null) return '—';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Appends columns b to a (new arrays, so Svelte sees the change). */
export function concatColumns(a: CandidateColumns, b: CandidateColumns): CandidateColumns {
  const seen = new Set(a.id);
  const keep = b.id.map((id, i) => (seen.has(id) ? -1 : i)).filter((i) => i >= 0);
  const out = {} as Record<keyof CandidateColumns, unknown[]>;
  for (const k of Object.keys(a) as (keyof CandidateColumns)[]) {
    out[k] = (a[k] as unknown[]).concat(keep.map((i) => (b[k] as unknown[])[i]));
  }
  return out as unknown as CandidateColumns;
}

export function emptyColumns(): CandidateColumns {
  return { id: [], generation: [], parent: [], accuracy: [], latency: [], params: [], flops: [], score: [], trainSeconds: [], finishedAt: [] };
}
