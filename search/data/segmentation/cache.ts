/**
 * Binary cache of a segmentation split, in the style of ../cache.ts: checked on every load
 * (magic, version, source tag, sizes, CRC-32) and rebuilt when anything is off.
 *
 * Layout, little-endian: 8-byte magic "CELLSCSG", then u32 version, source tag (CRC-32 of the
 * source id), count, height, width, channels, numClasses, ignoreLabel, CRC-32 of the payload;
 * payload = count NHWC uint8 images, then count HW uint8 masks.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { cacheDir, cachePath } from '../cache.ts';
import type { Shape } from '../types.ts';
import type { SegSplit } from './types.ts';

const MAGIC = Buffer.from('CELLSCSG', 'ascii');
const VERSION = 1;
const FIELDS = 9;
const HEADER_BYTES = MAGIC.length + FIELDS * 4;

export interface SegPool extends SegSplit { shape: Shape; numClasses: number; ignoreLabel: number }

export function encodeSegPool(p: SegPool, sourceId: string): Buffer {
  const [h, w, c] = p.shape;
  const buf = Buffer.alloc(HEADER_BYTES + p.count * h * w * (c + 1));
  const payload = buf.subarray(HEADER_BYTES);
  payload.set(p.images.subarray(0, p.count * h * w * c), 0);
  payload.set(p.masks.subarray(0, p.count * h * w), p.count * h * w * c);
  MAGIC.copy(buf, 0);
  [VERSION, crc32(sourceId), p.count, h, w, c, p.numClasses, p.ignoreLabel, crc32(payload)]
    .forEach((v, i) => buf.writeUInt32LE(v >>> 0, MAGIC.length + 4 * i));
  return buf;
}

/** The pool in `buf` (views, no copy), or why it cannot be trusted. */
export function decodeSegPool(buf: Buffer, sourceId: string): SegPool | { invalid: string } {
  if (buf.length < HEADER_BYTES) return { invalid: `${buf.length} bytes is shorter than the header` };
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return { invalid: 'bad magic' };
  const [version, tag, count, h, w, c, numClasses, ignoreLabel, checksum] = Array.from({ length: FIELDS }, (_, i) => buf.readUInt32LE(MAGIC.length + 4 * i));
  if (version !== VERSION) return { invalid: `version ${version}, expected ${VERSION}` };
  if (tag !== crc32(sourceId)) return { invalid: `made from another source than ${sourceId}` };
  const expected = HEADER_BYTES + count * h * w * (c + 1);
  if (buf.length !== expected) return { invalid: `${buf.length} bytes, header says ${expected}` };
  const payload = buf.subarray(HEADER_BYTES);
  if (crc32(payload) !== checksum) return { invalid: 'checksum mismatch' };
  const images = new Uint8Array(payload.buffer, payload.byteOffset, count * h * w * c);
  const masks = new Uint8Array(payload.buffer, payload.byteOffset + count * h * w * c, count * h * w);
  for (let i = 0; i < masks.length; i++) {
    if (masks[i] >= numClasses && masks[i] !== ignoreLabel) return { invalid: `mask value ${masks[i]} at ${i} is neither a class < ${numClasses} nor the ignore label` };
  }
  return { shape: [h, w, c], numClasses, ignoreLabel, images, masks, count };
}

/** The pool cached at `<dir>/<name>.bin`, or `build()`'s, written there through a temporary file. */
export function loadCachedSegPool(name: string, sourceId: string, build: () => SegPool, dir = cacheDir()): { pool: SegPool; rebuilt: string | null } {
  const path = cachePath(name, dir);
  let reason: string;
  try {
    const decoded = decodeSegPool(readFileSync(path), sourceId);
    if (!('invalid' in decoded)) return { pool: decoded, rebuilt: null };
    reason = decoded.invalid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    reason = 'missing';
  }
  const pool = build();
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, encodeSegPool(pool, sourceId));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { pool, rebuilt: reason };
}
