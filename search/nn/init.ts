/** Deterministic initial values, drawn from the run's seeded generator. */
import type { Rng } from '../util/rng.ts';

export function normalValues(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** Kaiming/He normal, fan-in mode, for layers followed by ReLU. */
export function heNormal(rng: Rng, n: number, fanIn: number): Float32Array {
  return normalValues(rng, n, Math.sqrt(2 / fanIn));
}

/** Normal truncated at two standard deviations (redrawn), as Swin/ViT initialise attention weights. */
export function truncNormal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[i] = z * std;
  }
  return out;
}

export const filled = (n: number, value: number): Float32Array => new Float32Array(n).fill(value);
