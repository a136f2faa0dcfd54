/**
 * Seeded, stratified partitions of a labelled pool. Every part gets each class in
 * proportion to its share of the whole (largest-remainder rounding), so that even a small
 * proxy subset keeps every class.
 */
import { deriveRng, shuffleInPlace, STREAM } from './seeds.ts';
import { imageSize, type Pool, type Split } from './types.ts';

/** Splits `k` items over classes in proportion to `counts` (largest remainder, ties to the lower class). */
export function allocate(counts: readonly number[], k: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(k) || k < 0 || k > total) throw new Error(`cannot take ${k} items out of ${total}`);
  if (total === 0) return counts.map(() => 0);
  const quota = counts.map((n) => Math.floor((n * k) / total));
  const order = counts.map((n, c) => ({ c, rem: (n * k) % total })).sort((a, b) => b.rem - a.rem || a.c - b.c);
  let left = k - quota.reduce((a, b) => a + b, 0);
  for (const { c } of order) {
    if (left-- <= 0) break;
    quota[c]++;
  }
  return quota;
}

/**
 * Partitions positions 0..labels.length-1 into `sizes.length + 1` parts: part i holds
 * sizes[i] positions, the last part the rest. Each part's positions are in seeded random
 * order, so that its first N are a fair sample too.
 */
export function stratifiedPartition(labels: ArrayLike<number>, numClasses: number, sizes: readonly number[], seed: number, stream: number = STREAM.split): Int32Array[] {
  const rng = deriveRng(seed, stream);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  byClass.forEach((ids) => shuffleInPlace(ids, rng));
  const remaining = byClass.map((ids) => ids.length);
  const taken = byClass.map(() => 0);
  const parts = sizes.map((size) => {
    const quota = allocate(remaining, size);
    const part: number[] = [];
    quota.forEach((q, c) => {
      for (let j = 0; j < q; j++) part.push(byClass[c][taken[c] + j]);
      taken[c] += q;
      remaining[c] -= q;
    });
    return part;
  });
  parts.push(byClass.flatMap((ids, c) => ids.slice(taken[c])));
  return parts.map((p) => shuffleInPlace(Int32Array.from(p), rng));
}

/** A new split holding the given images of `src`, in the given order. */
export function gather(src: Pool | Split, shapeSize: number, positions: Int32Array): Split {
  const images = new Uint8Array(positions.length * shapeSize);
  const labels = new (src.labels instanceof Int32Array ? Int32Array : Uint8Array)(positions.length);
  positions.forEach((p, i) => {
    images.set(src.images.subarray(p * shapeSize, (p + 1) * shapeSize), i * shapeSize);
    labels[i] = src.labels[p];
  });
  return { images, labels, count: positions.length };
}

export interface PoolSplitSizes { test: number; val: number }

/** Train / val / test from one pool: `test` and `val` images, stratified; train gets the rest. */
export function splitPool(pool: Pool, sizes: PoolSplitSizes, seed: number): { train: Split; val: Split; test: Split } {
  const [test, val, train] = stratifiedPartition(pool.labels, pool.numClasses, [sizes.test, sizes.val], seed);
  const size = imageSize(pool.shape);
  return { train: gather(pool, size, train), val: gather(pool, size, val), test: gather(pool, size, test) };
}

/** A stratified sample of `n` images of `split`, kept in the split's order. */
export function subsetSplit(split: Split, shapeSize: number, numClasses: number, n: number, seed: number): Split {
  if (n >= split.count) return split;
  const [picked] = stratifiedPartition(split.labels, numClasses, [n], seed, STREAM.subset);
  return gather(split, shapeSize, picked.sort());
}
