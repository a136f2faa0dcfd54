/**
 * A weight-sharing supernet's checkpoint: the training loop's checkpoint (weights and running
 * statistics by module path, optimizer slots, position) and what the weights belong to (the
 * space's hash, the data set), so that an evaluator inheriting them can refuse another space's.
 * One file per epoch, `epoch-<n>.ckpt` in the run's checkpoint directory (run/session.ts).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainCheckpoint } from './checkpoint.ts';
import { readTensorFile, writeTensorFile } from './tensor-file.ts';

const FORMAT = 'cellscape-supernet-checkpoint/1';

const fieldsSchema = z.strictObject({
  epoch: z.int().min(0),
  step: z.int().min(0),
  optimizer: z.string(),
  spaceName: z.string(),
  spaceHash: z.string(),
  dataset: z.string(),
});
export type SupernetOwner = Pick<z.infer<typeof fieldsSchema>, 'spaceName' | 'spaceHash' | 'dataset'>;

export interface SupernetCheckpoint { owner: SupernetOwner; train: TrainCheckpoint }

export const supernetCheckpointPath = (dir: string, epoch: number): string => join(dir, `epoch-${epoch}.ckpt`);

export function writeSupernetCheckpoint(path: string, c: SupernetCheckpoint): void {
  const { epoch, step, weights, optimizer } = c.train;
  writeTensorFile(path, FORMAT, { epoch, step, optimizer: optimizer.kind, ...c.owner }, { weights, optimizer: optimizer.slots });
}

export function readSupernetCheckpoint(path: string): SupernetCheckpoint {
  const { fields, groups } = readTensorFile(path, FORMAT);
  const f = fieldsSchema.safeParse(fields);
  if (!f.success) throw new Error(`${path}: unexpected header: ${f.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { epoch, step, optimizer, ...owner } = f.data;
  return { owner, train: { epoch, step, weights: groups.weights ?? [], optimizer: { kind: optimizer, slots: groups.optimizer ?? [] } } };
}

/** The newest checkpoint in a run's directory, or null when it has none. */
export function latestSupernetCheckpoint(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const epochs = readdirSync(dir).map((f) => /^epoch-(\d+)\.ckpt$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1]));
  return epochs.length ? supernetCheckpointPath(dir, Math.max(...epochs)) : null;
}

/** Removes every file of the directory but `keep` (older epochs, leftover temporary files). */
export function pruneSupernetCheckpoints(dir: string, keep: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (join(dir, f) !== keep) rmSync(join(dir, f), { force: true });
}
