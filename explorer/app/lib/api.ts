import type {
  CandidateDetail, CandidatesAnswer, CompareAnswer, DartsAnswer, FidelityAnswer, FidelityChecksAnswer, FrontAnswer, Metric, OverlaysAnswer,
  ProgressAnswer, RunDetail, RunSummary, SupernetAnswer,
} from '../../server/api-types.ts';

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new ApiFailure(res.status, (body as { error?: string }).error ?? res.statusText);
  return body as T;
}

export const api = {
  runs: () => get<{ runs: RunSummary[] }>('/api/runs').then((r) => r.runs),
  run: (id: number) => get<{ run: RunDetail }>(`/api/runs/${id}`).then((r) => r.run),
  candidates: (id: number) => get<CandidatesAnswer>(`/api/runs/${id}/candidates`),
  front: (id: number, x: Metric, y: Metric) => get<FrontAnswer>(`/api/runs/${id}/front?x=${x}&y=${y}`),
  progress: (id: number) => get<ProgressAnswer>(`/api/runs/${id}/progress`),
  darts: (id: number) => get<DartsAnswer>(`/api/runs/${id}/darts`),
  supernet: (id: number) => get<SupernetAnswer>(`/api/runs/${id}/supernet`),
  candidate: (id: number) => get<{ candidate: CandidateDetail }>(`/api/candidates/${id}`).then((r) => r.candidate),
  /** Axes not given are the server's choice: the first run's cost and quality. */
  compare: (ids: number[], x?: Metric, y?: Metric) =>
    get<CompareAnswer>(`/api/compare?runs=${ids.join(',')}${x ? `&x=${x}` : ''}${y ? `&y=${y}` : ''}`),
  fidelityChecks: (id: number) => get<FidelityChecksAnswer>(`/api/runs/${id}/fidelity-check`),
  overlays: (id: number) => get<OverlaysAnswer>(`/api/runs/${id}/overlays`),
  fidelity: () => get<FidelityAnswer>('/api/fidelity'),
  eventsUrl: (id: number, cursor: string) => `/api/runs/${id}/events?cursor=${encodeURIComponent(cursor)}`,
};
