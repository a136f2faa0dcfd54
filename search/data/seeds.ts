import { createRng, type Rng } from '../util/rng.ts';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A generator for one named purpose at one position, e.g. (seed, SHUFFLE, epoch): any
 * position's stream can be made directly, which is what lets a resumed run see exactly
 * the data order and augmentations it would have seen without stopping.
 */
export function deriveRng(...parts: number[]): Rng {
  let h = 0x6a09e667;
  parts.forEach((p, i) => { h = fmix32(h ^ fmix32((p >>> 0) + Math.imul(i + 1, 0x9e3779b9))); });
  return createRng(h);
}

/** Stream tags, so that streams for different purposes never coincide. */
export const STREAM = { split: 1, subset: 2, shuffle: 3, augment: 4 } as const;

export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}
