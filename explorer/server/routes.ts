/**
 * The explorer's JSON API over one read-only store. Every parameter is checked with zod
 * (malformed: 400; unknown run or candidate: 404). Everything derived from a run's candidates
 * is cached under a stamp (count and last finish time of its evaluated candidates), so a
 * repeated request on a 100k-candidate run costs one indexed count.
 */
import { z } from 'zod';
import type { StoreReader, RunSummary as StoreRunSummary, Epoch, ArchSnapshot as StoreSnapshot, FinishCursor } from '../../search/store/types.ts';
import { metricNames, metricRegistry, type MetricName } from '../../search/contracts/metrics.ts';
import { PATH_TRAINERS } from '../../search/contracts/supernet.ts';
import { ptSelectionSchema } from '../../search/contracts/darts-selection.ts';
import {
  type CandidateDetail, type CandidatesAnswer, type CellWeights, type CompareAnswer, type DartsAnswer,
  type EpochRow, type FrontAnswer, type Metric, type MetricsAnswer, type ProgressAnswer, type RunDetail, type RunSummary, type SupernetAnswer,
} from './api-types.ts';
import { encodeCursor } from './cursor.ts';
import { frontIds, frontPoints, progressCurve, progressObjectives, referencePoint } from './analysis.ts';
import type { CandidateColumns, DomainPreview, FewShotPreview, SegPreview } from './api-types.ts';
import { publicFiles, registeredFiles } from './downloads.ts';
import { fidelityChecks, fidelityResults } from './fidelity.ts';
import { overlays } from './overlays.ts';
import { selectionAnswer } from './selection.ts';
import { supernetAnswer } from './supernet.ts';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const id = z.string().regex(/^\d{1,15}$/, 'must be a positive integer').transform(Number);
const metric = z.enum(metricNames as [MetricName, ...MetricName[]]);
/** Without y, the run's quality metric (accuracy, miou). */
/** Without x or y, the run's own cost and quality: the front its page draws and its summary counts. */
const axesQuery = z.object({ x: metric.optional(), y: metric.optional() }).strict();
const emptyQuery = z.object({}).strict();
const compareQuery = z.object({
  runs: z.string().regex(/^\d{1,15}(,\d{1,15}){0,11}$/, 'must be a comma-separated list of up to 12 run ids')
    .transform((s) => [...new Set(s.split(',').map(Number))]),
  /** Without x, the first run's cost (the second of its objectives, as its own front is drawn). */
  x: metric.optional(),
  y: metric.optional(),
}).strict();

const encodedImage = z.string().startsWith('data:image/png;base64,');
const segPreviewSchema: z.ZodType<SegPreview> = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  classNames: z.array(z.string()),
  ignoreLabel: z.number().int(),
  samples: z.array(z.object({ image: encodedImage, truth: z.string(), predicted: z.string() })),
});

const domainPreviewSchema: z.ZodType<DomainPreview> = z.object({
  adapt: z.object({ method: z.string() }).passthrough(),
  target: segPreviewSchema,
});

const fewShotPreviewSchema: z.ZodType<FewShotPreview> = z.object({
  head: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  classNames: z.array(z.string()).min(2),
  ignoreLabel: z.number().int(),
  supports: z.array(z.array(z.object({ image: encodedImage, mask: z.string() }))),
  query: z.object({ image: encodedImage, truth: z.string() }),
  predictions: z.array(z.object({ shots: z.number().int().positive(), predicted: z.string() })),
});

/** The candidate's extra fields answered on their own, checked (a malformed one is left out). */
const PREVIEWS = ['segmentation', 'domain', 'fewshot'];

export function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.length ? `${where}: ${issue.path.join('.')}` : where;
  throw new HttpError(400, `${field}: ${issue.message}`);
}

export const parseId = (text: string, what: string): number => parse(id, text, what);

interface RunCache {
  stamp: string;
  /** The connection's data_version when the stamp was last checked: unchanged means nothing was written. */
  version: number;
  columns: CandidateColumns;
  cursor: FinishCursor;
  body?: string;
  fronts: Map<string, number[]>;
  progress?: ProgressAnswer;
}

/** Appends b's rows to a, in place (both hold the same metrics: those of the run's task). */
function appendColumns(a: CandidateColumns, b: CandidateColumns): void {
  const push = (to: unknown[], from: unknown[]) => { for (const v of from) to.push(v); };
  for (const k of ['id', 'generation', 'parent', 'score', 'finishedAt', 'rung'] as const) push(a[k], b[k]);
  for (const [m, values] of Object.entries(b.metrics)) push(a.metrics[m as Metric] ??= [], values);
}

export function summaryOf(s: StoreRunSummary, now = Date.now()): RunSummary {
  const end = s.finishedAt ?? (s.status === 'running' ? now : s.updatedAt);
  return {
    id: s.id, name: s.name, strategy: s.strategy, space: s.spaceName, task: s.task, dataset: s.dataset, status: s.status,
    candidates: s.counts.done, failed: s.counts.failed, quality: s.quality, bestQuality: s.bestQuality, cost: s.cost, frontSize: s.frontSize,
    createdAt: s.createdAt, startedAt: s.startedAt, finishedAt: s.finishedAt,
    tookSeconds: s.startedAt == null ? null : Math.max(0, (end - s.startedAt) / 1000),
    selection: s.strategy === 'darts' ? ptSelectionSchema.safeParse(s.config.selection).data?.criterion ?? null : null,
  };
}

export function epochRow(e: Epoch): EpochRow {
  return {
    id: e.id, epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valLoss: e.valLoss,
    valAccuracy: e.valAccuracy, seconds: e.seconds, genotype: e.genotype ?? null,
  };
}

function cellWeights(snaps: StoreSnapshot[]): CellWeights | null {
  if (snaps.length === 0) return null;
  const first = snaps[snaps.length - 1].weights;
  return {
    ops: first.ops,
    edges: first.edges.map((e) => ({ from: e.from, to: e.to })),
    snapshots: snaps.map((s) => ({ epoch: s.epoch, step: s.step, weights: s.weights.edges.map((e) => e.weights) })),
  };
}

export function createApi(store: StoreReader) {
  const runs = new Map<number, RunCache>();
  const summaries = new Map<number, { stamp: string; summary: StoreRunSummary }>();

  const summary = (runId: number): StoreRunSummary => {
    const stamp = store.runStamps().find((r) => r.id === runId)?.stamp;
    if (stamp === undefined) throw new HttpError(404, `no run with id ${runId}`);
    const hit = summaries.get(runId);
    if (hit && hit.stamp === stamp) return hit.summary;
    const s = store.getRunSummary(runId);
    if (!s) throw new HttpError(404, `no run with id ${runId}`);
    summaries.set(runId, { stamp, summary: s });
    return s;
  };

  const children = new Map<number, { index: Map<number, number[]>; upTo: number }>();
  const compares = new Map<string, { stamps: string; answer: CompareAnswer }>();

  /**
   * The run's evaluated candidates, from cache when nothing was written since; while a search
   * adds results, only the new rows are read and appended (evaluated candidates stay evaluated).
   */
  const runCache = (runId: number): RunCache => {
    const version = store.dataVersion();
    const hit = runs.get(runId);
    if (hit && hit.version === version) return hit;
    summary(runId); // 404 for an unknown run
    const { count, stamp } = store.candidateStamp(runId);
    if (hit && hit.stamp === stamp) { hit.version = version; return hit; }
    if (hit) {
      const next = store.candidateColumns(runId, hit.cursor);
      if (hit.columns.id.length + next.columns.id.length === count) {
        appendColumns(hit.columns, next.columns);
        Object.assign(hit, { stamp, version, cursor: next.cursor, body: undefined, progress: undefined, fronts: new Map() });
        return hit;
      }
    }
    const { columns, cursor } = store.candidateColumns(runId);
    const fresh: RunCache = { stamp, version, columns, cursor, fronts: new Map() };
    runs.set(runId, fresh);
    return fresh;
  };

  const bodyOf = (runId: number, c: RunCache): string => {
    c.body ??= JSON.stringify({ runId, count: c.columns.id.length, cursor: encodeCursor(c.cursor), columns: c.columns } satisfies CandidatesAnswer);
    return c.body;
  };

  const childrenOf = (runId: number, parentId: number) => {
    let entry = children.get(runId);
    if (!entry) { entry = { index: new Map(), upTo: 0 }; children.set(runId, entry); }
    const { upTo, links } = store.parentLinksAfter(runId, entry.upTo);
    for (const [child, parents] of links) {
      for (const p of parents) {
        const list = entry.index.get(p);
        if (list) list.push(child); else entry.index.set(p, [child]);
      }
    }
    entry.upTo = upTo;
    return (entry.index.get(parentId) ?? []).slice(0, 500).map((id) => store.candidateRef(id)).filter((r) => r !== undefined);
  };

  const front = (c: RunCache, x: Metric, y: Metric): number[] => {
    const key = `${x}|${y}`;
    let ids = c.fronts.get(key);
    if (!ids) { ids = frontIds(c.columns, x, y); c.fronts.set(key, ids); }
    return ids;
  };

  return {
    summary,
    /** Steps that fill the caches of one run (its candidate columns, their body, the default front, the children index), to run one per tick. */
    warmSteps(runId: number): (() => void)[] {
      return [
        () => runCache(runId),
        () => bodyOf(runId, runCache(runId)),
        () => front(runCache(runId), summary(runId).cost, summary(runId).quality),
        () => childrenOf(runId, 0),
      ];
    },
    metrics(query: unknown): MetricsAnswer {
      parse(emptyQuery, query, 'query');
      return { metrics: [...metricRegistry] };
    },

    listRuns(query: unknown): { runs: RunSummary[] } {
      parse(emptyQuery, query, 'query');
      const now = Date.now();
      return { runs: store.runStamps().map((r) => summaryOf(summary(r.id), now)) };
    },

    run(runId: number, query: unknown): { run: RunDetail } {
      parse(emptyQuery, query, 'query');
      const s = summary(runId);
      return {
        run: {
          ...summaryOf(s), seed: s.seed, backend: s.backend, commandLine: s.commandLine, error: s.error,
          config: s.config, spaceHash: s.spaceHash, epochs: store.searchEpochCount(runId),
        },
      };
    },

    /** Serialized once per stamp: the answer for 100k candidates is a few MB of JSON. */
    candidatesBody(runId: number, query: unknown): string {
      parse(emptyQuery, query, 'query');
      const c = runCache(runId);
      return bodyOf(runId, c);
    },

    front(runId: number, query: unknown): FrontAnswer {
      const { x = summary(runId).cost, y = summary(runId).quality } = parse(axesQuery, query, 'query');
      return { x, y, ids: front(runCache(runId), x, y) };
    },

    progress(runId: number, query: unknown): ProgressAnswer {
      parse(emptyQuery, query, 'query');
      const c = runCache(runId);
      if (!c.progress) {
        const objectives = progressObjectives(c.columns, summary(runId).quality, summary(runId).cost);
        const reference = referencePoint([c.columns], objectives[1]);
        c.progress = { objectives, reference, points: progressCurve(c.columns, objectives, reference) };
      }
      return c.progress;
    },

    darts(runId: number, query: unknown): DartsAnswer {
      parse(emptyQuery, query, 'query');
      const s = summary(runId);
      return {
        epochs: store.listEpochs(runId, null).map(epochRow),
        normal: cellWeights(store.listArchSnapshots(runId, 'normal')),
        reduce: cellWeights(store.listArchSnapshots(runId, 'reduce')),
        selection: selectionAnswer(store, s),
      };
    },

    supernet(runId: number, query: unknown): SupernetAnswer {
      parse(emptyQuery, query, 'query');
      const s = summary(runId);
      const answer = supernetAnswer(store, s);
      if (!answer) throw new HttpError(404, `run ${runId} is a ${s.strategy} run, not a supernet trained one subnet a step (${PATH_TRAINERS.join(', ')})`);
      return answer;
    },

    fidelityChecks(runId: number, query: unknown) {
      parse(emptyQuery, query, 'query');
      summary(runId);
      return fidelityChecks(store, runId);
    },

    overlays(runId: number, query: unknown) {
      parse(emptyQuery, query, 'query');
      summary(runId);
      return overlays(store, runId);
    },

    fidelity(query: unknown) {
      parse(emptyQuery, query, 'query');
      return fidelityResults(store);
    },

    candidate(candidateId: number, query: unknown): { candidate: CandidateDetail } {
      parse(emptyQuery, query, 'query');
      const c = store.getCandidate(candidateId);
      if (!c) throw new HttpError(404, `no candidate with id ${candidateId}`);
      const run = summary(c.runId);
      return {
        candidate: {
          id: c.id, runId: c.runId, runName: run.name, status: c.status, key: c.key, generation: c.generation,
          genotype: c.genotype, metrics: c.metrics, score: c.score, worker: c.worker, error: c.error,
          // The previews are answered once, checked, as `segmentation`, `domain` and `fewshot`.
          extra: c.extra && Object.fromEntries(Object.entries(c.extra).filter(([k]) => !PREVIEWS.includes(k))),
          segmentation: segPreviewSchema.safeParse(c.extra?.segmentation).data ?? null,
          domain: domainPreviewSchema.safeParse(c.extra?.domain).data ?? null,
          fewshot: fewShotPreviewSchema.safeParse(c.extra?.fewshot).data ?? null,
          downloads: publicFiles(registeredFiles(c.id, c.extra)),
          createdAt: c.createdAt, finishedAt: c.finishedAt,
          parents: c.parentIds.map((p) => store.candidateRef(p)).filter((r) => r !== undefined),
          children: childrenOf(c.runId, c.id),
          epochs: store.listEpochs(c.runId, c.id).map(epochRow),
          rungs: store.listRungs(c.runId, c.id).map((r) => ({
            rung: r.rung, bracket: r.bracket, status: r.status, epochs: Number(r.budget.epochs), trainImages: Number(r.budget.trainImages), metrics: r.metrics,
          })),
        },
      };
    },

    /** The files `cellscape export` registered for a candidate (with their paths: server only). */
    files(candidateId: number) {
      const c = store.getCandidate(candidateId);
      if (!c) throw new HttpError(404, `no candidate with id ${candidateId}`);
      return registeredFiles(c.id, c.extra);
    },

    compare(query: unknown): CompareAnswer {
      const { runs: ids, x = summary(ids[0]).cost, y = summary(ids[0]).quality } = parse(compareQuery, query, 'query');
      const q = { runs: ids, x, y };
      const caches = q.runs.map((r) => ({ id: r, s: summary(r), c: runCache(r) }));
      const key = `${q.runs.join(',')}|${q.x}|${q.y}`;
      const stamps = caches.map((r) => r.c.stamp).join(',');
      const hit = compares.get(key);
      if (hit && hit.stamps === stamps) return hit.answer;
      // The first run's own objectives, as its run page measures its hypervolume: a run searched on MACs is compared on MACs.
      const objectives = progressObjectives(caches[0].c.columns, caches[0].s.quality, caches[0].s.cost);
      const reference = referencePoint(caches.map((r) => r.c.columns), objectives[1]);
      const answer: CompareAnswer = {
        x: q.x, y: q.y, objectives, reference,
        runs: caches.map(({ id: runId, s, c }) => ({
          id: runId, name: s.name, strategy: s.strategy,
          front: frontPoints(c.columns, q.x, q.y),
          progress: progressCurve(c.columns, objectives, reference),
        })),
      };
      if (compares.size > 32) compares.clear();
      compares.set(key, { stamps, answer });
      return answer;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
