import { format } from 'd3';
import type { CandidateColumns, Metric, MetricDef } from '../../server/api-types.ts';
import { percentTicks, type TickFormat } from './scales.ts';

/**
 * The metric registry as the server serves it (/api/metrics): labels, units, formats and
 * directions of every metric. Loaded once before the app mounts (main.ts); axes, colours and
 * table columns are built from it and from the metrics a run's columns carry.
 */
const registry = new Map<string, MetricDef>();

export async function loadMetrics(): Promise<void> {
  const res = await fetch('/api/metrics', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`/api/metrics: ${res.status} ${res.statusText}`);
  for (const m of ((await res.json()) as { metrics: MetricDef[] }).metrics) registry.set(m.name, m);
}

const unknown = (name: string): MetricDef => ({ name, label: name, unit: '', direction: 'max', format: 'number', log: false, description: '' });

export function metricInfo(m: string): MetricDef {
  return registry.get(m) ?? unknown(m);
}

/** Every registered metric, in registry order (views over several runs, whose tasks may differ). */
export const allMetrics = (): Metric[] => [...registry.keys()] as Metric[];

export const isMetric = (v: string | undefined): v is Metric => v !== undefined && registry.has(v);

/** Axis and legend label: the registry's label with its unit. */
export function metricLabel(m: Metric): string {
  const d = metricInfo(m);
  return d.unit ? `${d.label} (${d.unit})` : d.label;
}

export const direction = (m: Metric): 'max' | 'min' => metricInfo(m).direction;

/** The metrics a run measured (its task's, with at least one value), in registry order. */
export function runMetrics(cols: CandidateColumns | null): Metric[] {
  if (!cols) return [];
  return [...registry.keys()].filter((m) => cols.metrics[m as Metric]?.some((v) => v != null)) as Metric[];
}

/** The metrics a candidate has values for, in registry order. */
export function measuredMetrics(values: Partial<Record<string, number>>): Metric[] {
  return [...registry.keys()].filter((m) => values[m] !== undefined) as Metric[];
}

export function column(cols: CandidateColumns, m: Metric): (number | null)[] {
  return cols.metrics[m] ?? new Array(cols.id.length).fill(null);
}

const si = format('.3~s');
const count = (v: number) => si(v).replace('G', 'B');

export function fmtMetric(m: Metric, v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return '—';
  switch (metricInfo(m).format) {
    case 'percent': return `${(v * 100).toFixed(2)}%`;
    case 'ms': return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
    case 'seconds': return fmtSeconds(v);
    case 'count': return count(v);
    case 'number': return String(+v.toPrecision(4));
  }
}

/** Tick labels of an axis on a metric: whole percents unless the ticks are closer than 1%. */
export function tickFormat(m: Metric): TickFormat {
  return metricInfo(m).format === 'percent' ? percentTicks(0) : (v) => format('~s')(v);
}

/**
 * An epoch as people count it. The store numbers epochs from 0; the CLI's log says "epoch 1/2 ...
 * epoch 2/2", so the explorer shows the stored epoch + 1 wherever it names or plots one.
 */
export const epochNo = (stored: number): number => stored + 1;

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

/**
 * Columns a with b's rows merged in (new arrays, so Svelte sees the change). A candidate b holds
 * again was finished again, promoted to a higher rung of a multi-fidelity search: its newer
 * values replace the old in place. Candidates new to a are appended.
 */
export function concatColumns(a: CandidateColumns, b: CandidateColumns): CandidateColumns {
  const inB = new Map(b.id.map((id, j) => [id, j]));
  const inA = new Set(a.id);
  const fresh = b.id.flatMap((id, j) => (inA.has(id) ? [] : [j]));
  const merge = <T,>(x: T[], y: T[]) =>
    x.map((v, i) => { const j = inB.get(a.id[i]); return j === undefined ? v : y[j]; }).concat(fresh.map((j) => y[j]));
  const metrics: CandidateColumns['metrics'] = {};
  for (const m of new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)]) as Set<Metric>) {
    metrics[m] = merge(column(a, m), column(b, m));
  }
  return {
    id: merge(a.id, b.id), generation: merge(a.generation, b.generation), parent: merge(a.parent, b.parent),
    score: merge(a.score, b.score), finishedAt: merge(a.finishedAt, b.finishedAt), rung: merge(a.rung, b.rung), metrics,
  };
}

export function emptyColumns(): CandidateColumns {
  return { id: [], generation: [], parent: [], score: [], finishedAt: [], rung: [], metrics: {} };
}
