/**
 * The performance predictor: an ensemble of small MLPs (mlp.ts) fitted to the architectures
 * evaluated so far, each from its own initialisation, as BANANAS does. Its mean is the
 * prediction; the spread of the members is the uncertainty the acquisition function trades
 * against it. Features and targets are standardised on the training set.
 */
import type { Rng } from '../../util/rng.ts';
import { fitMlp, MLP_DEFAULTS, type MlpOptions, type Regressor } from './mlp.ts';

export interface Prediction { mean: number; std: number }
export type Predictor = (x: readonly number[]) => Prediction;

const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const stdOf = (xs: readonly number[], mu = meanOf(xs)): number => Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / xs.length);

/** Per column: subtract the mean, divide by the spread (a constant column becomes 0). */
function standardiser(x: readonly (readonly number[])[]): (row: readonly number[]) => number[] {
  const d = x[0].length;
  const mu = Array.from({ length: d }, (_, k) => meanOf(x.map((r) => r[k])));
  const sd = Array.from({ length: d }, (_, k) => stdOf(x.map((r) => r[k]), mu[k]) || 1);
  return (row) => row.map((v, k) => (v - mu[k]) / sd[k]);
}

export function fitEnsemble(x: readonly (readonly number[])[], y: readonly number[], rng: Rng, o: { members: number } & Partial<MlpOptions> = { members: 5 }): Predictor {
  if (x.length < 2) throw new Error(`the predictor needs at least 2 evaluated architectures, got ${x.length}`);
  const scale = standardiser(x);
  const xs = x.map(scale);
  const ym = meanOf(y), ys = stdOf(y, ym) || 1;
  const yt = y.map((v) => (v - ym) / ys);
  const options = { ...MLP_DEFAULTS, ...o };
  const nets: Regressor[] = Array.from({ length: o.members }, () => fitMlp(xs, yt, rng, options));
  return (row) => {
    const z = scale(row);
    const outs = nets.map((f) => f(z) * ys + ym);
    const mean = meanOf(outs);
    return { mean, std: stdOf(outs, mean) };
  };
}
