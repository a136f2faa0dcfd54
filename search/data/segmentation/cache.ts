/**
 * The cache file of a segmentation split (see ../checked-cache.ts for the checks and the write).
 * Fields: count, height, width, channels, numClasses, ignoreLabel; payload = count NHWC uint8
 * images, then count HW uint8 masks.
 */
import { cacheDir, decodeChecked, encodeChecked, isInvalid, loadOrBuild, type CacheFormat, type Invalid } from '../checked-cache.ts';
import type { Shape } from '../types.ts';
import type { SegSplit } from './types.ts';

const FORMAT: CacheFormat = { magic: 'CELLSCSG', version: 1, fields: 6 };

export interface SegPool extends SegSplit { shape: Shape; numClasses: number; ignoreLabel: number }

export function encodeSegPool(p: SegPool, sourceId: string): Buffer {
  const [h, w, c] = p.shape;
  return encodeChecked(FORMAT, sourceId, [p.count, h, w, c, p.numClasses, p.ignoreLabel],
    [p.images.subarray(0, p.count * h * w * c), p.masks.subarray(0, p.count * h * w)]);
}

/** The pool in `buf` (views, no copy), or why it cannot be trusted. */
export function decodeSegPool(buf: Buffer, sourceId: string): SegPool | Invalid {
  const checked = decodeChecked(FORMAT, buf, sourceId, ([count, h, w, c]) => count * h * w * (c + 1));
  if (isInvalid(checked)) return checked;
  const { fields: [count, h, w, c, numClasses, ignoreLabel], payload } = checked;
  const images = new Uint8Array(payload.buffer, payload.byteOffset, count * h * w * c);
  const masks = new Uint8Array(payload.buffer, payload.byteOffset + count * h * w * c, count * h * w);
  for (let i = 0; i < masks.length; i++) {
    if (masks[i] >= numClasses && masks[i] !== ignoreLabel) return { invalid: `mask value ${masks[i]} at ${i} is neither a class < ${numClasses} nor the ignore label` };
  }
  return { shape: [h, w, c], numClasses, ignoreLabel, images, masks, count };
}

/** The pool cached at `<dir>/<name>.bin`, or `build()`'s, written there when the cache is missing or invalid. */
export function loadCachedSegPool(name: string, sourceId: string, build: () => SegPool, dir = cacheDir()): { pool: SegPool; rebuilt: string | null } {
  const { value, rebuilt } = loadOrBuild(name, dir, (buf) => decodeSegPool(buf, sourceId), (pool) => encodeSegPool(pool, sourceId), build);
  return { pool: value, rebuilt };
}
