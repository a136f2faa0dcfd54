/**
 * Search checkpoints: supernet weights and running statistics, alphas, both optimizers' slots
 * (by module path, see train/checkpoint.ts) and the position in the data order, in one file
 * `epoch-<n>.ckpt` of the run's checkpoint directory (the run layer's, see run/session.ts), a
 * tensor file (train/tensor-file.ts: written whole or not at all). Format 1, whose header held
 * epoch and step beside the tensors, is still read, so that a search checkpointed before format 2
 * resumes.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { SavedTensor } from '../../train/checkpoint.ts';
import { readTensorLayout, tensorEntrySchema, tensorFileHeaderSchema, writeTensorFile } from '../../train/tensor-file.ts';

export interface DartsCheckpoint {
  /** Epochs completed; the next epoch starts at batch 0 of this one. */
  epoch: number;
  /** Search steps taken (the cosine schedule's position). */
  step: number;
  weights: SavedTensor[];
  alphas: SavedTensor[];
  weightOptimizer: SavedTensor[];
  archOptimizer: SavedTensor[];
}

const FORMAT = 'cellscape-darts-checkpoint/2';
const FORMAT_1 = 'cellscape-darts-checkpoint/1';
const GROUPS = ['weights', 'alphas', 'weightOptimizer', 'archOptimizer'] as const;

const positionSchema = z.strictObject({ epoch: z.int().min(0), step: z.int().min(0) });
const format1Schema = z.strictObject({
  format: z.literal(FORMAT_1), epoch: z.int().min(0), step: z.int().min(0),
  tensors: z.array(tensorEntrySchema.extend({ group: z.enum(GROUPS) })),
});

export function checkpointPath(dir: string, epoch: number): string {
  return join(dir, `epoch-${epoch}.ckpt`);
}

export function writeCheckpoint(path: string, c: DartsCheckpoint): void {
  writeTensorFile(path, FORMAT, { epoch: c.epoch, step: c.step }, Object.fromEntries(GROUPS.map((g) => [g, c[g]])));
}

export function readCheckpoint(path: string): DartsCheckpoint {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} is missing`);
  const fail = (why: string): never => { throw new Error(`checkpoint ${path}: ${why}`); };
  let read;
  try { read = readTensorLayout(path, z.union([tensorFileHeaderSchema, format1Schema])); } catch (err) { return fail((err as Error).message.replace(`${path}: `, '')); }
  const { header, groups } = read;
  if (header.format !== FORMAT && header.format !== FORMAT_1) fail(`a ${header.format} file, not a DARTS checkpoint`);
  const p = positionSchema.safeParse('fields' in header ? header.fields : { epoch: header.epoch, step: header.step });
  if (!p.success) return fail(`unexpected header: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...p.data, weights: groups.weights ?? [], alphas: groups.alphas ?? [], weightOptimizer: groups.weightOptimizer ?? [], archOptimizer: groups.archOptimizer ?? [] };
}

/** Removes every checkpoint of the run but `keep` (and leftover temporary files). */
export function pruneCheckpoints(dir: string, keep: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (join(dir, f) !== keep) rmSync(join(dir, f), { force: true });
}
