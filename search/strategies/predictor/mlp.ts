/**
 * A small multilayer perceptron for regression, in plain TypeScript: one hidden layer of ReLU
 * units, trained full-batch with Adam on mean squared error. The predictor fits a few of these on
 * at most a few hundred architectures of a few hundred features: a TF.js graph would cost more in
 * setup than the arithmetic here, and this one runs the same on every backend and thread.
 */
import type { Rng } from '../../util/rng.ts';

export interface MlpOptions {
  hidden: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (not the biases). */
  weightDecay: number;
}

export const MLP_DEFAULTS: MlpOptions = { hidden: 32, epochs: 200, learningRate: 0.01, weightDecay: 1e-4 };

export type Regressor = (x: readonly number[]) => number;

/** Fits y from the rows of x; weights start from He-initialised draws of `rng`. */
export function fitMlp(x: readonly (readonly number[])[], y: readonly number[], rng: Rng, o: MlpOptions = MLP_DEFAULTS): Regressor {
  const n = x.length, d = x[0]?.length ?? 0, h = o.hidden;
  if (n === 0 || y.length !== n) throw new Error(`fitMlp: ${n} rows and ${y.length} targets`);
  // Parameters in one array (w1: h x d, b1: h, w2: h, b2: 1), so that Adam is one loop.
  const size = h * d + h + h + 1;
  const p = new Float64Array(size);
  const w1 = 0, b1 = h * d, w2 = b1 + h, b2 = w2 + h;
  for (let i = 0; i < h * d; i++) p[w1 + i] = rng.normal() * Math.sqrt(2 / Math.max(1, d));
  for (let j = 0; j < h; j++) p[w2 + j] = rng.normal() * Math.sqrt(1 / h);
  const m = new Float64Array(size), v = new Float64Array(size), g = new Float64Array(size);
  const act = new Float64Array(h);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    g.fill(0);
    for (let r = 0; r < n; r++) {
      const xr = x[r];
      let out = p[b2];
      for (let j = 0; j < h; j++) {
        let z = p[b1 + j];
        const row = w1 + j * d;
        for (let k = 0; k < d; k++) z += p[row + k] * xr[k];
        act[j] = z > 0 ? z : 0;
        out += p[w2 + j] * act[j];
      }
      const err = (2 * (out - y[r])) / n;
      g[b2] += err;
      for (let j = 0; j < h; j++) {
        g[w2 + j] += err * act[j];
        if (act[j] <= 0) continue;
        const back = err * p[w2 + j];
        g[b1 + j] += back;
        const row = w1 + j * d;
        for (let k = 0; k < d; k++) g[row + k] += back * xr[k];
      }
    }
    for (let i = 0; i < b1; i++) g[i] += 2 * o.weightDecay * p[i];
    for (let j = 0; j < h; j++) g[w2 + j] += 2 * o.weightDecay * p[w2 + j];
    const c1 = 1 - beta1 ** epoch, c2 = 1 - beta2 ** epoch;
    for (let i = 0; i < size; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      p[i] -= (o.learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
  return (xr) => {
    let out = p[b2];
    for (let j = 0; j < h; j++) {
      let z = p[b1 + j];
      const row = w1 + j * d;
      for (let k = 0; k < d; k++) z += p[row + k] * xr[k];
      if (z > 0) out += p[w2 + j] * z;
    }
    return out;
  };
}
