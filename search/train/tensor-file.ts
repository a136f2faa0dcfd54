/**
 * Named groups of saved tensors with a JSON header in one file, written to a temporary name,
 * synced and renamed, so that a kill leaves either the old file or the new one. Layout: uint32
 * LE header length, the JSON header (format, the caller's fields, each tensor's group, name,
 * shape and offset), then the float32 values back to back. Supernet and DARTS checkpoints use it.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SavedTensor } from './checkpoint.ts';

export type TensorGroups = Record<string, SavedTensor[]>;

export const tensorEntrySchema = z.strictObject({ group: z.string(), name: z.string(), shape: z.array(z.int().min(0)), offset: z.int().min(0), length: z.int().min(0) });
type TensorEntry = z.infer<typeof tensorEntrySchema>;
export const tensorFileHeaderSchema = z.strictObject({ format: z.string(), fields: z.record(z.string(), z.unknown()), tensors: z.array(tensorEntrySchema) });

export function writeTensorFile(path: string, format: string, fields: Record<string, unknown>, groups: TensorGroups): void {
  let offset = 0;
  const order = Object.entries(groups).flatMap(([group, ts]) => ts.map((t) => ({ group, t })));
  const tensors = order.map(({ group, t }) => {
    const entry = { group, name: t.name, shape: t.shape, offset, length: t.values.length };
    offset += t.values.length;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ format, fields, tensors }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    for (const { t } of order) writeSync(fd, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The file's header fields and tensors; an error naming the file when it is missing, truncated or of another format. */
export function readTensorFile(path: string, format: string): { fields: Record<string, unknown>; groups: TensorGroups } {
  const { header, groups } = readTensorLayout(path, tensorFileHeaderSchema);
  if (header.format !== format) throw new Error(`${path}: a ${header.format} file, not ${format}`);
  return { fields: header.fields, groups };
}

/**
 * A file of this layout whose header `schema` describes (it lists the tensors' entries): for
 * files written before the header took its present shape, such as DARTS checkpoints of format 1.
 */
export function readTensorLayout<H extends { tensors: TensorEntry[] }>(path: string, schema: z.ZodType<H>): { header: H; groups: TensorGroups } {
  const fail = (why: string): never => { throw new Error(`${path}: ${why}`); };
  if (!existsSync(path)) fail('missing');
  const buf = readFileSync(path);
  if (buf.length < 4) fail('truncated');
  const hlen = buf.readUInt32LE(0);
  if (4 + hlen > buf.length) fail('truncated header');
  let raw: unknown;
  try { raw = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8')); } catch { fail('header is not JSON'); }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return fail(`unexpected header: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const header = parsed.data;
  const data = buf.subarray(4 + hlen);
  const total = header.tensors.reduce((s, t) => s + t.length, 0);
  if (data.length !== total * 4) fail(`expected ${total * 4} bytes of values, found ${data.length}`);
  // Copy out so that the values are aligned Float32Arrays whatever the header length.
  const values = new Float32Array(total);
  new Uint8Array(values.buffer).set(data);
  const groups: TensorGroups = {};
  for (const t of header.tensors) (groups[t.group] ??= []).push({ name: t.name, shape: t.shape, values: values.slice(t.offset, t.offset + t.length) });
  return { header, groups };
}
