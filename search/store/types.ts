/**
 * What the store keeps, as the rest of the program sees it: rows as plain objects (camelCase,
 * JSON columns parsed and checked), and the reader and writer interfaces the store's modules
 * implement. Nothing here speaks SQL.
 */
import { z } from 'zod';
import type { MetricName, MetricValues } from '../contracts/metrics.ts';
import type { EpochRecord } from '../contracts/epoch.ts';

export type RunStatus = 'running' | 'stopped' | 'finished' | 'failed';
export type CandidateStatus = 'pending' | 'running' | 'done' | 'failed' | 'stale';
export type EventLevel = 'info' | 'warn' | 'error';
export type CellType = 'normal' | 'reduce';

export interface NewRun {
  name: string;
  strategy: string;
  spaceName: string;
  /** The space definition as parsed (stored as JSON). */
  spaceDefinition: unknown;
  spaceHash: string;
  task: string;
  dataset: string;
  config: Record<string, unknown>;
  seed: number;
  backend: string;
  versions: Record<string, string>;
  commandLine: string;
}

export interface Run extends NewRun {
  id: number;
  status: RunStatus;
  error: string | null;
  /** Strategy / generator state saved for resume, or null before the first save. */
  state: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

export interface RunSummary extends Run {
  counts: Record<CandidateStatus, number> & { total: number };
  /** The run's quality metric (accuracy, mIoU, or its zero-cost proxy's score) and its best value among done candidates. */
  quality: MetricName;
  bestQuality: number | null;
  /** The cost its front trades quality against: the second of the run's objectives when that is a metric to minimise, else latency_ms. */
  cost: MetricName;
  /** Non-dominated done candidates on (max quality, min cost), among those having both. */
  frontSize: number;
}

/** A cheap "did this run change?" key: moves with every write to the run or its candidates. */
export interface RunStamp { id: number; stamp: string }

export interface NewCandidate {
  genotype: unknown;
  key: string;
  parentIds?: number[];
  generation?: number;
}

/** What completing a candidate stores: its measured metrics, the strategy's score, evaluator extras. */
export interface CandidateResult {
  metrics: MetricValues;
  score?: number | null;
  extra?: Record<string, unknown> | null;
}

export interface Candidate {
  id: number;
  runId: number;
  genotype: unknown;
  key: string;
  parentIds: number[];
  generation: number;
  status: CandidateStatus;
  attempts: number;
  worker: string | null;
  error: string | null;
  /** Values under the registry's names; empty until the candidate is done. */
  metrics: MetricValues;
  /** The strategy's scalar fitness, when it ranks by one. */
  score: number | null;
  extra: Record<string, unknown> | null;
  createdAt: number;
  startedAt: number | null;
  heartbeatAt: number | null;
  finishedAt: number | null;
}

/** NULLs (unmeasured) sort last whichever the direction. */
export type CandidateSort = 'id' | 'score' | 'finished' | MetricName;

export interface CandidateQuery {
  status?: CandidateStatus | CandidateStatus[];
  sort?: CandidateSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** Only candidates with a larger id (incremental polling). */
  afterId?: number;
}

/** A candidate as a link in the lineage: id, generation and its metrics. */
export interface CandidateRef {
  id: number;
  generation: number;
  metrics: MetricValues;
}

/** Evaluated candidates of a run as columns (compact, and fast to serialise for 100k rows). */
export interface CandidateColumns {
  id: number[];
  generation: number[];
  /** The first parent (the table's lineage column; the detail view reads them all). */
  parent: (number | null)[];
  score: (number | null)[];
  /** Milliseconds since the run started. */
  finishedAt: number[];
  /** The highest rung a candidate of a multi-fidelity search finished (its metrics are that rung's); null in other runs. */
  rung: (number | null)[];
  /** One column per metric of the run's task (registry order), null where not measured. */
  metrics: Partial<Record<MetricName, (number | null)[]>>;
}

/** One evaluation of a candidate at one rung of a multi-fidelity search (table rungs). */
export interface NewRung {
  candidateId: number;
  bracket: number;
  rung: number;
  /** The proxy budget it trains on (as the job carries it). */
  budget: Record<string, unknown>;
  status: CandidateStatus;
  attempts?: number;
  worker?: string | null;
  error?: string | null;
  metrics?: MetricValues | null;
  epochs?: EpochRecord[] | null;
}

export interface Rung extends Required<NewRung> {
  id: number;
  runId: number;
  createdAt: number;
  startedAt: number | null;
  heartbeatAt: number | null;
  finishedAt: number | null;
}

/** Position in a run's stream of finished candidates: everything at or before it has been read. */
export interface FinishCursor { at: number; ids: number[] }

export interface NewEpoch {
  candidateId?: number | null;
  epoch: number;
  trainLoss?: number | null;
  trainAccuracy?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  seconds?: number | null;
  /** The genotype derived at this epoch (DARTS), if any. */
  genotype?: unknown;
}

export interface Epoch extends Required<Omit<NewEpoch, 'genotype' | 'candidateId'>> {
  id: number;
  runId: number;
  candidateId: number | null;
  genotype: unknown;
  createdAt: number;
}

/** Architecture weights of one cell type at one step: per edge the softmax over `ops`. */
export const archWeightsSchema = z.object({
  ops: z.array(z.string()),
  edges: z.array(z.object({ from: z.number().int(), to: z.number().int(), weights: z.array(z.number()) })),
});
export type ArchWeights = z.infer<typeof archWeightsSchema>;

export interface NewArchSnapshot {
  epoch: number;
  step: number;
  cellType: CellType;
  weights: ArchWeights;
}

export interface ArchSnapshot extends NewArchSnapshot {
  id: number;
  runId: number;
  createdAt: number;
}

export interface NewEvent {
  level: EventLevel;
  kind: string;
  message: string;
  data?: unknown;
}

export interface RunEvent extends NewEvent {
  id: number;
  runId: number;
  at: number;
  data: unknown;
}

export interface NewProgress {
  evaluated: number;
  elapsedSeconds: number;
  hypervolume?: number | null;
  /** The reference point the hypervolume was measured against, in objective units. */
  reference?: Record<string, number> | number[] | null;
  bestAccuracy?: number | null;
}

export interface Progress extends Required<NewProgress> {
  id: number;
  runId: number;
  at: number;
}

export interface OpenOptions {
  /** Open for reading only (the explorer): writes throw, no migration is run. */
  readonly?: boolean;
  /** Milliseconds a statement waits for a lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Clock for timestamps (tests). */
  now?: () => number;
}

// ---- the read side ----

export interface RunReader {
  getRun(id: number): Run | undefined;
  /** Runs, newest first, with candidate counts, best quality and front size. */
  listRuns(): RunSummary[];
  getRunSummary(id: number): RunSummary | undefined;
  /** Every run's stamp, newest first: the explorer's cache keys. */
  runStamps(): RunStamp[];
}

export interface CandidateReader {
  getCandidate(id: number): Candidate | undefined;
  getCandidateByKey(runId: number, key: string): Candidate | undefined;
  listCandidates(runId: number, q?: CandidateQuery): Candidate[];
  /** Keys of every candidate of a run (the strategies' "already proposed" set). */
  candidateKeys(runId: number): string[];
  candidateRef(id: number): CandidateRef | undefined;
  /** Evaluated candidates finished after the cursor (all without one), oldest first, and the cursor after them. */
  candidateColumns(runId: number, after?: FinishCursor): { columns: CandidateColumns; cursor: FinishCursor };
  /** Number of evaluated candidates and a stamp that moves with every result: a cache key for what derives from them. */
  candidateStamp(runId: number): { count: number; stamp: string };
  /**
   * Candidates inserted after `afterId` that have parents, as [child id, parent ids], and the new
   * watermark. Parents never change after insertion, so a children index built from these only grows.
   */
  parentLinksAfter(runId: number, afterId: number): { upTo: number; links: [number, number[]][] };
}

export interface EpochReader {
  /** Epochs of a run; candidateId null = the run's own (supernet) epochs, undefined = all. */
  listEpochs(runId: number, candidateId?: number | null): Epoch[];
  listArchSnapshots(runId: number, cellType?: CellType): ArchSnapshot[];
  /** Distinct search (supernet) epochs recorded for the run. */
  searchEpochCount(runId: number): number;
  /** Ids of the run's own (search) epochs added after the given epoch id. */
  searchEpochIdsAfter(runId: number, afterId: number): number[];
  maxEpochId(runId: number): number;
}

export interface EventReader {
  listEvents(runId: number, q?: { afterId?: number; limit?: number }): RunEvent[];
  /** Events of one kind, of every run or of one, oldest first (fidelity figures, for the explorer). */
  listEventsOfKind(kind: string, runId?: number): RunEvent[];
}

export interface ProgressReader {
  listProgress(runId: number): Progress[];
}

export interface RungReader {
  /** A run's rung evaluations (one candidate's with candidateId), by candidate then rung. */
  listRungs(runId: number, candidateId?: number): Rung[];
}

export interface StoreReader extends RunReader, CandidateReader, EpochReader, EventReader, ProgressReader, RungReader {
  readonly path: string;
  readonly readonly: boolean;
  /** Changes whenever another connection commits: a cheap "anything new?" for pollers. */
  dataVersion(): number;
  schemaVersion(): number;
  close(): void;
}

// ---- the write side ----

export interface RunWriter {
  createRun(run: NewRun): Run;
  updateRunStatus(runId: number, status: RunStatus, error?: string | null): void;
  saveRunState(runId: number, state: unknown): void;
}

export interface CandidateWriter {
  /** Inserts a candidate unless the run already has one with this key; returns its id either way. */
  insertCandidate(runId: number, c: NewCandidate): { id: number; inserted: boolean };
  /** Claims a pending, stale or failed candidate for a worker; false if it is running or done already. */
  markRunning(candidateId: number, worker: string): boolean;
  heartbeat(candidateId: number): void;
  completeCandidate(candidateId: number, r: CandidateResult): void;
  /** Sets top-level keys of a candidate's extra JSON, keeping the others (e.g. where `cellscape export` wrote its files). */
  mergeCandidateExtra(candidateId: number, patch: Record<string, unknown>): void;
  failCandidate(candidateId: number, error: string): void;
  /**
   * Puts a running candidate back to be run again: 'stale' when its worker died or hung (the
   * attempt counts), 'pending' when the search itself stopped it (the attempt is given back).
   */
  requeueCandidate(candidateId: number, status: 'pending' | 'stale', reason?: string | null): boolean;
  /** Running candidates whose last heartbeat is older than the given time become 'stale'; returns how many. */
  markStale(heartbeatOlderThan: number, runId?: number): number;
}

export interface EpochWriter {
  addEpoch(runId: number, e: NewEpoch): number;
  addArchSnapshot(runId: number, s: NewArchSnapshot): number;
}

export interface EventWriter {
  addEvent(runId: number, e: NewEvent): number;
}

export interface ProgressWriter {
  addProgress(runId: number, p: NewProgress): number;
}

export interface RungWriter {
  /** A rung evaluation: a promotion as it is decided (pending), or a bottom rung's finished result. */
  insertRung(runId: number, r: NewRung): number;
  /** Claims a pending or stale rung evaluation for a worker; false if it is not one. */
  markRungRunning(id: number, worker: string): boolean;
  heartbeatRung(id: number): void;
  completeRung(id: number, r: { metrics: MetricValues; epochs: EpochRecord[] }): void;
  failRung(id: number, error: string): void;
  /** As requeueCandidate: 'pending' gives the attempt back (the search stopped), 'stale' counts it. */
  requeueRung(id: number, status: 'pending' | 'stale', reason?: string | null): boolean;
}

export interface StoreWriter extends RunWriter, CandidateWriter, EpochWriter, EventWriter, ProgressWriter, RungWriter {
  /** Runs fn in one write transaction (nested calls join it). */
  transaction<T>(fn: () => T): T;
}

/** The search process's connection: it reads what it wrote. */
export interface Store extends StoreReader, StoreWriter {}
