/**
 * Seeded pseudo-random generator (sfc32). Every random choice in a run flows from one
 * seed so that a run can be replayed and resumed; Math.random is never used.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A fresh generator derived from this one, for an independent stream. */
  fork(): Rng;
  /** The generator's full state, to checkpoint and restore it. */
  state(): [number, number, number, number];
}

export function createRng(seed: number | [number, number, number, number]): Rng {
  let [a, b, c, d] = Array.isArray(seed) ? seed : [0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0];
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm up so that nearby seeds give unrelated streams.
  if (!Array.isArray(seed)) for (let i = 0; i < 15; i++) next();
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    fork: () => createRng([(next() * 2 ** 32) >>> 0, (next() * 2 ** 32) >>> 0, (next() * 2 ** 32) >>> 0, (next() * 2 ** 32) >>> 0]),
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
  };
  return rng;
}
