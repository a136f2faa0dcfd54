/**
 * Search checkpoints: supernet weights and running statistics, alphas, both optimizers' slots
 * (by module path, see train/checkpoint.ts) and the position in the data order, in one file
 * `epoch-<n>.ckpt` of the run's checkpoint directory (the run layer's, see run/session.ts), written to a temporary name, synced and renamed so
 * that a kill leaves either the old file or the new one. Layout: uint32 LE header length, the
 * JSON header (names, shapes, offsets, scalars), then the float32 values back to back.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { SavedTensor } from '../../train/checkpoint.ts';

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

const GROUPS = ['weights', 'alphas', 'weightOptimizer', 'archOptimizer'] as const;

const headerSchema = z.strictObject({
  format: z.literal('cellscape-darts-checkpoint/1'),
  epoch: z.int().min(0),
  step: z.int().min(0),
  tensors: z.array(z.strictObject({ group: z.enum(GROUPS), name: z.string(), shape: z.array(z.int().min(0)), offset: z.int().min(0), length: z.int().min(0) })),
});

export function checkpointPath(dir: string, epoch: number): string {
  return join(dir, `epoch-${epoch}.ckpt`);
}

export function writeCheckpoint(path: string, c: DartsCheckpoint): void {
  let offset = 0;
  const tensors = GROUPS.flatMap((group) => c[group].map((t) => {
    const entry = { group, name: t.name, shape: t.shape, offset, length: t.values.length };
    offset += t.values.length;
    return entry;
  }));
  const header = Buffer.from(JSON.stringify({ format: 'cellscape-darts-checkpoint/1', epoch: c.epoch, step: c.step, tensors }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    for (const group of GROUPS) for (const t of c[group]) writeSync(fd, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readCheckpoint(path: string): DartsCheckpoint {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} is missing`);
  const buf = readFileSync(path);
  const fail = (why: string): never => { throw new Error(`checkpoint ${path}: ${why}`); };
  if (buf.length < 4) fail('truncated');
  const hlen = buf.readUInt32LE(0);
  if (4 + hlen > buf.length) fail('truncated header');
  let raw: unknown;
  try { raw = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8')); } catch { fail('header is not JSON'); }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) return fail(`unexpected header: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const h = parsed.data;
  const data = buf.subarray(4 + hlen);
  const total = h.tensors.reduce((s, t) => s + t.length, 0);
  if (data.length !== total * 4) fail(`expected ${total * 4} bytes of values, found ${data.length}`);
  // Copy out so that the values are aligned Float32Arrays whatever the header length.
  const values = new Float32Array(total);
  new Uint8Array(values.buffer).set(data);
  const out: DartsCheckpoint = { epoch: h.epoch, step: h.step, weights: [], alphas: [], weightOptimizer: [], archOptimizer: [] };
  for (const t of h.tensors) out[t.group].push({ name: t.name, shape: t.shape, values: values.slice(t.offset, t.offset + t.length) });
  return out;
}

/** Removes every checkpoint of the run but `keep` (and leftover temporary files). */
export function pruneCheckpoints(dir: string, keep: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (join(dir, f) !== keep) rmSync(join(dir, f), { force: true });
}
