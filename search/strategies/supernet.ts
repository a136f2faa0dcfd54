/**
 * What a supernet strategy (DARTS, a weight-sharing one-shot trainer) reports while it trains,
 * without knowing where it goes: the run layer stores each commit in one transaction, so a run
 * killed at any point resumes from the last commit's state and sees everything it reported.
 */
import type { EpochRecord } from '../contracts/epoch.ts';

/** One training epoch of the supernet (accuracy: top-1, or mIoU for segmentation), with the architecture derived at its end (if any). */
export interface SupernetEpoch extends EpochRecord {
  genotype?: unknown;
}

export type CellType = 'normal' | 'reduce';

/** Architecture weights of one cell type at one step: per edge (states 0, 1 = cell inputs; node i = state i + 2) the softmax over `ops`. */
export interface WeightSnapshot {
  epoch: number;
  step: number;
  cellType: CellType;
  weights: { ops: string[]; edges: { from: number; to: number; weights: number[] }[] };
}

/** Something worth a line in the run's event log (a collapse warning, an epoch's extra figures). */
export interface RunNote {
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
  data?: unknown;
}

/** One step of progress that must be stored together with the state it leads to. */
export interface SupernetCommit<S> {
  epoch?: SupernetEpoch;
  snapshots?: readonly WeightSnapshot[];
  notes?: readonly RunNote[];
  /** The strategy's state after this commit (plain JSON): resuming starts from it. */
  state: S;
}

export interface SupernetSink<S> {
  commit(c: SupernetCommit<S>): void;
}
