/**
 * The cache file of a parsed image pool (see checked-cache.ts for the checks and the write).
 * Fields: count, height, width, channels, numClasses; payload = count label bytes, then count
 * NHWC uint8 images.
 */
import { cacheDir, decodeChecked, encodeChecked, isInvalid, loadOrBuild, type CacheFormat, type Invalid } from './checked-cache.ts';
import { imageSize, type Pool } from './types.ts';

const FORMAT: CacheFormat = { magic: 'CELLSCDS', version: 1, fields: 5 };

export function encodePool(pool: Pool, sourceId: string): Buffer {
  if (pool.numClasses > 256) throw new Error(`cannot cache ${sourceId}: ${pool.numClasses} classes do not fit a label byte`);
  const size = imageSize(pool.shape);
  return encodeChecked(FORMAT, sourceId, [pool.count, ...pool.shape, pool.numClasses],
    [pool.labels.subarray(0, pool.count), pool.images.subarray(0, pool.count * size)]);
}

/** The pool in `buf`, or the reason it cannot be trusted. Views into `buf`, no copy. */
export function decodePool(buf: Buffer, sourceId: string): Pool | Invalid {
  const checked = decodeChecked(FORMAT, buf, sourceId, ([count, h, w, c]) => count * (1 + h * w * c));
  if (isInvalid(checked)) return checked;
  const { fields: [count, h, w, c, numClasses], payload } = checked;
  const labels = new Uint8Array(payload.buffer, payload.byteOffset, count);
  for (let i = 0; i < count; i++) if (labels[i] >= numClasses) return { invalid: `label ${labels[i]} at ${i} >= ${numClasses} classes` };
  const images = new Uint8Array(payload.buffer, payload.byteOffset + count, count * h * w * c);
  return { shape: [h, w, c], numClasses, images, labels, count };
}

export interface CachedLoad { pool: Pool; path: string; rebuilt: string | null }

/** The pool cached at `<dir>/<name>.bin`, or `build()`'s result written there when the cache is missing or invalid (`rebuilt` says why). */
export function loadCachedPool(name: string, sourceId: string, build: () => Pool, dir = cacheDir()): CachedLoad {
  const { value, path, rebuilt } = loadOrBuild(name, dir, (buf) => decodePool(buf, sourceId), (pool) => encodePool(pool, sourceId), build);
  return { pool: value, path, rebuilt };
}
