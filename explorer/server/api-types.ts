/**
 * The JSON the explorer server answers with. Shared by the server (checked by tsc) and the
 * app (imported as types only), so the two cannot drift apart.
 */
import type { CandidateColumns, CandidateRef } from '../../search/store/types.ts';
import type { MetricDef, MetricName, MetricValues } from '../../search/contracts/metrics.ts';
import type { FidelityCheckData } from '../../search/contracts/fidelity.ts';
import type { FewShotPreview } from '../../search/contracts/fewshot-preview.ts';

export type { FewShotPreview };

export type { CandidateColumns, CandidateRef, MetricDef, MetricValues };
export type Metric = MetricName;

/** /api/metrics: the metric registry, in its order. */
export interface MetricsAnswer { metrics: MetricDef[] }

export type RunStatus = 'running' | 'stopped' | 'finished' | 'failed';

export interface RunSummary {
  id: number;
  name: string;
  strategy: string;
  space: string;
  task: string;
  dataset: string;
  status: RunStatus;
  candidates: number;      // evaluated (done)
  failed: number;
  /** The task's quality metric (accuracy; miou for segmentation) and its best value. */
  quality: Metric;
  bestQuality: number | null;
  /** The cost the run's front trades quality against (its second objective; latency before runs chose). */
  cost: Metric;
  frontSize: number;       // quality vs cost
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Wall seconds from start to finish (or to the last update while running). */
  tookSeconds: number | null;
  /** What a DARTS run's perturbation selection judged by (accuracy, jacob_cov); null when its cell is read off the alphas. */
  selection: string | null;
}

export interface RunDetail extends RunSummary {
  seed: number;
  backend: string;
  commandLine: string;
  error: string | null;
  config: unknown;
  spaceHash: string;
  epochs: number;          // DARTS search epochs recorded for the run (0 for other strategies)
}

export interface CandidatesAnswer {
  runId: number;
  count: number;
  /** Cursor for /events: the answer holds every candidate finished at or before it. */
  cursor: string;
  columns: CandidateColumns;
}

export interface FrontAnswer {
  x: Metric;
  y: Metric;
  /** Candidate ids of the non-dominated set, sorted by x. */
  ids: number[];
}

export interface ProgressPoint {
  evaluated: number;
  seconds: number;
  /** Best value so far of the first objective (the run's quality). */
  best: number | null;
  hypervolume: number | null;
}

export interface ProgressAnswer {
  objectives: [Metric, Metric];
  reference: [number, number];
  points: ProgressPoint[];
}

export interface EpochRow {
  id: number;
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number | null;
  genotype: unknown | null;
}

export interface ArchSnapshot {
  epoch: number;
  step: number;
  /** weights[edge][op]: the softmax over ops of each edge. */
  weights: number[][];
}

/** Architecture weights of one cell type over the search; edges are the same at every snapshot. */
export interface CellWeights {
  ops: string[];
  edges: { from: number; to: number }[];
  snapshots: ArchSnapshot[];
}

export interface DartsAnswer {
  epochs: EpochRow[];
  normal: CellWeights | null;
  reduce: CellWeights | null;
  /** A perturbation selection's moves and cell (--selection pt); null when the cell is read off the alphas. */
  selection: SelectionAnswer | null;
}

/** One cell type's decision in a move of the perturbation selection. */
export type SelectionDecision =
  /** The op kept on a supernet edge, and per figure the supernet's score with each candidate op masked. */
  | { kind: 'edge'; edge: number; kept: string; without: Record<string, Record<string, number>> }
  /** A node's two kept input edges; per round (one input dropped each), per figure, the score without each remaining input edge. */
  | { kind: 'node'; node: number; kept: number[]; rounds: Record<string, Record<string, number>>[] };

export interface SelectionMove { move: number; normal: SelectionDecision; reduce: SelectionDecision }

/** DARTS-PT (criterion accuracy) or Zero-Cost-PT (a zero-cost proxy) as the run configured and stored it. */
export interface SelectionAnswer {
  criterion: string;
  valImages: number;
  tuneSteps: number;
  moves: SelectionMove[];
  /** The selected genotype once the last move is done (the run's cell: not any epoch's, which are the alphas'). */
  genotype: unknown | null;
  /** Parameter-free edges of the selected normal cell. */
  parameterFree: { count: number; edges: number } | null;
}

/** A segmentation candidate's validation samples (encoded by search/contracts/seg-preview.ts). */
export interface SegPreview {
  height: number;
  width: number;
  classNames: string[];
  ignoreLabel: number;
  /** image: a PNG data URL; truth, predicted: class bytes, zlib-deflated, base64. */
  samples: { image: string; truth: string; predicted: string }[];
}

/** A domain-shift candidate (--dataset scenes-domain): how it adapted, and target-domain samples predicted after training. */
export interface DomainPreview {
  adapt: { method: string; [option: string]: unknown };
  target: SegPreview;
}

/** A file `cellscape export` wrote for a candidate, served read-only at `url`. */
export interface DownloadFile {
  kind: 'genotype' | 'tfjs' | 'onnx';
  name: string;
  bytes: number;
  url: string;
}

export interface CandidateDetail {
  id: number;
  runId: number;
  runName: string;
  status: string;
  key: string;
  generation: number;
  genotype: unknown;
  /** Measured values under the registry's names. */
  metrics: MetricValues;
  score: number | null;
  worker: string | null;
  error: string | null;
  extra: unknown;
  /** Segmentation candidates: validation samples. */
  segmentation: SegPreview | null;
  /** Domain-shift candidates: the target domain's samples (`segmentation` holds the source's). */
  domain: DomainPreview | null;
  /** Few-shot candidates (--task fewshot-seg): the run's first episode with the head's answer per shot count. */
  fewshot: FewShotPreview | null;
  downloads: DownloadFile[];
  createdAt: number;
  finishedAt: number | null;
  parents: CandidateRef[];
  children: CandidateRef[];
  epochs: EpochRow[];
  /** A multi-fidelity search's evaluations of it, one per rung reached: its learning curve over budgets. */
  rungs: RungRow[];
}

export interface RungRow {
  rung: number;
  bracket: number;
  status: string;
  epochs: number;
  trainImages: number;
  metrics: MetricValues | null;
}

export interface CompareRun {
  id: number;
  name: string;
  strategy: string;
  front: { id: number; x: number; y: number }[];
  progress: ProgressPoint[];
}

export interface CompareAnswer {
  x: Metric;
  y: Metric;
  /** The hypervolume's objectives (shared by all runs) and reference point. */
  objectives: [Metric, Metric];
  reference: [number, number];
  runs: CompareRun[];
}

/** A search's check of its evaluator (search --check-fidelity, fidelity --run --check), as stored. */
export interface FidelityCheck extends FidelityCheckData { eventId: number; at: number }

/** /api/runs/:id/fidelity-check: the run's checks, oldest first; Spearman below `lowBelow` is a warning. */
export interface FidelityChecksAnswer { checks: FidelityCheck[]; lowBelow: number }

/** One stored `cellscape fidelity --table` measurement: an evaluator at a budget against a reference table. */
export interface FidelityResult {
  eventId: number;
  at: number;
  /** The list run that evaluated the table's architectures. */
  runId: number;
  /** proxy, zc:synflow, table:FILE, ... */
  evaluator: string;
  /** The training budget of a training evaluator, else null. */
  budget: { epochs: number; trainImages: number; valImages: number | null } | null;
  /** The reference table's file name and rows. */
  reference: string;
  referenceRows: number;
  n: number;
  spearman: number | null;
  /** Its 90 % bootstrap interval; null when not stored (older measurements) or undefined. */
  spearmanLo: number | null;
  spearmanHi: number | null;
  kendall: number | null;
  top10: number | null;
  secondsPerCandidate: number | null;
}

/** /api/fidelity: every stored measurement of every run, oldest first; `unreadable` counts events of another shape. */
export interface FidelityAnswer { results: FidelityResult[]; lowBelow: number; unreadable: number }

/** Server-sent events on /api/runs/:id/events. */
export interface CandidatesEvent { cursor: string; columns: CandidateColumns }
export interface EpochsEvent { epochs: EpochRow[] }
export interface RunEvent { run: RunSummary }
/** The run's stored fidelity checks changed: their count now. */
export interface ChecksEvent { checks: number }

export interface ApiError { error: string }

/** A named reference architecture (cellscape references) trained on the run's data set: the mean of its `n` trainings at one budget. */
export interface ReferencePoint {
  name: string;
  space: string;
  budget: { epochs: number; trainImages: number; valImages: number } | null;
  n: number;
  candidateIds: number[];
  metrics: Partial<Record<Metric, number>>;
}

/** A family `cellscape scale` grew from one of the run's candidates: its points from phi = 0 (the source) up. */
export interface ScaledFamily {
  eventId: number;
  /** The list run that trained it. */
  runId: number;
  label: 'compound' | 'width' | 'depth' | 'fixed';
  alpha: number;
  beta: number;
  gamma: number;
  points: { phi: number; candidateId: number; metrics: Partial<Record<Metric, number>> }[];
}

/** /api/runs/:id/overlays: what the run's Pareto plot draws besides its candidates. */
export interface OverlaysAnswer { references: ReferencePoint[]; families: ScaledFamily[] }

/**
 * One epoch of a single-path supernet's training (spos, ofa). Train loss and accuracy: the sampled
 * subnets' (one a step); validation: the watched subnets' mean (inherited weights, batch norm
 * recalibrated); genotype: the best watched subnet at the end of the epoch.
 */
export interface SupernetEpoch extends Omit<EpochRow, 'id'> {
  /** Once-for-All: the progressive-shrinking phase it trained; null for SPOS. */
  phase: string | null;
}

/** A watched subnet: the same after every epoch; accuracy[k] at epochs[k] (null where its note was unreadable). */
export interface WatchedSubnet { key: string; accuracy: (number | null)[] }

/** A subnet `cellscape specialise` exported from this supernet, with the figures stored with its candidate. */
export interface SpecialisedSubnet {
  runId: number;
  candidateId: number;
  metric: 'latency_ms' | 'flops' | 'params';
  limit: number;
  /** The candidate's value of the target metric in its search (latency: the lookup table's prediction). */
  predicted: number | null;
  oneShotAccuracy: number | null;
  measuredLatencyMs: number;
  testAccuracy: number | null;
  fineTuneEpochs: number;
  params: number | null;
  flops: number | null;
  genotype: unknown;
}

/** /api/runs/:id/supernet: a supernet run's training and the subnets specialised from it. */
export interface SupernetAnswer {
  strategy: string;
  epochs: SupernetEpoch[];
  watched: WatchedSubnet[];
  specialised: SpecialisedSubnet[];
}
