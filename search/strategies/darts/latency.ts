/**
 * Latency-aware DARTS: the expected latency of the supernet is the sum, over every cell and
 * edge, of the mixing weights times each candidate op's latency from a per-operation table
 * (FBNet). It is differentiable in alpha and enters the architecture loss in one of two forms:
 *
 *   linear:          CE + w * R                       (with a target: CE + w * max(R - 1, 0))
 *   multiplicative:  CE * R^w                         (MnasNet's soft form; FBNet multiplies CE by a
 *                                                     power of log-latency, the same shape in spirit)
 *   lagrange:        CE + lambda * (R - 1)            a constraint R <= 1 rather than a price: lambda
 *                                                     rises by w * (R - 1) after every architecture
 *                                                     step and never below 0 (dual ascent)
 *
 * where R = expected latency / T and T is the target when given, else the expected latency at
 * uniform weights, so that w is unit-free and comparable across spaces and tables. A penalty keeps
 * pulling towards the cheapest ops (skip, pooling: latency near 0) however fast the network
 * already is; the constraint pulls only while the expected latency is over the target, and lets
 * go (lambda back to 0) once it is met, so that the cross-entropy chooses among ops that fit.
 *
 * Which ops the expectation prices (`ops`): `all`, or `weighted`, the ops with weights only, each
 * edge's mixing weights renormalised over them. Over all ops, d E / d alpha_k = p_k (L_k - E_edge):
 * an op cheaper than its edge's mean is rewarded, and on this backend's tables a normal cell's skip
 * costs almost nothing, so both forms above drove the normal cells to skips (bench/data/
 * darts-search-defaults.md, section 9). Renormalised, q_k = p_k / sum over weighted ops of p (for
 * a softmax, exp(alpha_k) over the weighted ops' sum; for DrNAS's Dirichlet sample, its gammas
 * over theirs), which no parameter-free op's alpha enters: the term's gradient with respect to
 * skip, pooling and zero is 0 (up to rounding) and it only moves weight between cheaper and dearer
 * convolutions, while whether an edge needs weights at all is left to the cross-entropy. TF-NAS
 * (Hu et al. 2020) separates skip from the other candidates in its search space for a like reason.
 * The price: a parameter-free op that is dear (avg_pool in a normal cell here) is not priced either,
 * so the derived cell's latency is only as low as the cross-entropy's choice of such ops lets it be.
 *
 * `priced` adds that price without a reward: per edge, the weighted expectation E_w as above plus,
 * for each parameter-free op f, r_f * max(0, L_f - E_w) with r_f = p_f / (sum over weighted ops of p),
 * f's odds against the convolutions. For a softmax r_f = exp(alpha_f) / (the weighted ops' exps), so
 * d/d alpha_f = r_f * max(0, L_f - E_w) >= 0 and no other parameter-free alpha enters it: an op
 * dearer than its edge's weighted expectation is pushed down, one cheaper (skip, zero: L near 0) gets
 * 0, never a reward. With p_f in place of r_f the softmax's normaliser would couple them (d p_avg /
 * d alpha_skip = -p_avg p_skip < 0: the skip rewarded for taking weight from avg_pool); without the
 * max(0, .) a cheap op's term is negative and rewards it. E_w enters the excess as a constant (its
 * gradient stopped): live, the excess would shrink as the convolutions got dearer, and the term's
 * gradient on a convolution's alpha, -q_w * sum over dear f of r_f (L_f + L_w - 2 E_w), would favour
 * the dearer convolution against the weighted term whenever the dear ops' odds sum past 1; stopped,
 * it is -q_w * sum_f r_f max(0, L_f - E_w), the same share for every convolution, so the pool's weight
 * moves to them as they stand. Under DrNAS p is the normalised Gamma sample, r_f = g_f / (the weighted
 * ops' g), and g_f is a function of alpha_f alone that rises with it (elu(alpha) + 1 rises; the
 * exact Gamma sample rises with its shape; dirichlet.ts's Marsaglia-Tsang form does so unless its
 * accepted normal e exceeds 6 sqrt(d) >= 4.9, about 5e-7 a draw), so the same sign holds.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Network } from '../../nn/network.ts';
import { DartsBackbone, type MixedOp } from '../../nn/darts.ts';
import type { DartsCell } from '../../nn/cell.ts';
import { SegCellBackbone, TwoPathBackbone } from '../../nn/seg-backbones.ts';
import type { Layer, Shape } from '../../nn/module.ts';
import { PARAMETER_FREE_OPS, ZERO_OP } from '../../space/ops.ts';
import type { CellType } from '../supernet.ts';
import type { CellGenotype } from '../../space/types.ts';
import { firstEdgeOf } from './derive.ts';

export const LATENCY_FORMS = ['linear', 'multiplicative', 'lagrange'] as const;
export const LATENCY_OPS = ['all', 'weighted', 'priced'] as const;
export type LatencyOps = (typeof LATENCY_OPS)[number];
export const latencyLossSchema = z.strictObject({
  /** 0 turns the latency term off. */
  weight: z.number().min(0),
  form: z.enum(LATENCY_FORMS),
  /** Milliseconds; when absent the uniform-weight expectation normalises the latency. */
  targetMs: z.number().positive().optional(),
  /** The ops the expectation prices (see above); absent: all, as runs stored before it existed. */
  ops: z.enum(LATENCY_OPS).optional(),
}).refine((l) => l.form !== 'lagrange' || l.targetMs !== undefined, { message: 'the lagrange form constrains to a target: give one (--latency-target MS)' });
export type LatencyLossConfig = z.infer<typeof latencyLossSchema>;

/** A per-operation latency table: milliseconds of one op at the shape its latency key names. */
export type OpLatencyLookup = (key: string) => number | undefined;

/** One supernet edge op with the key and input shape its latency is taken at. */
export interface EdgeOpSite { cellType: CellType; edge: number; op: number; opName: string; key: string; inShape: Shape; layer: Layer }

/** What the site walk needs of a cell backbone, classification (DartsBackbone) or segmentation (SegCellBackbone). */
interface CellStack { cells: { items: DartsCell[] }; stemShape(inShape: Shape): Shape }

/** The supernet's cell backbone; a segmentation supernet's may sit inside a two-path backbone. */
function cellStackOf(net: Network): CellStack {
  const b = net.backbone instanceof TwoPathBackbone ? net.backbone.context : net.backbone;
  if (!(b instanceof DartsBackbone || b instanceof SegCellBackbone)) throw new Error(`latency sites: ${b.kind} is not a DARTS cell backbone`);
  return b;
}

/** Every (cell, edge, op) of a DARTS supernet with its latency key, walking the cells' shapes as the backbone does. */
export function supernetSites(net: Network): EdgeOpSite[] {
  const backbone = cellStackOf(net);
  let s0: Shape = backbone.stemShape(net.config.inShape);
  let s1 = s0;
  const sites: EdgeOpSite[] = [];
  for (const cell of backbone.cells.items) {
    const { reduction, edges, C: cellC } = cell.config;
    const out = cell.outputShape(s0, s1);
    edges.forEach((e, i) => {
      const inShape: Shape = e.input < 2 ? [s1[0], s1[1], cellC] : [out[0], out[1], cellC];
      const mixed = cell.edges.items[i] as MixedOp;
      mixed.ops.items.forEach((layer, k) => {
        const opName = mixed.config.ops[k];
        sites.push({ cellType: reduction ? 'reduce' : 'normal', edge: i, op: k, opName, key: layer.latencyKey(inShape), inShape, layer });
      });
    });
    [s0, s1] = [s1, out];
  }
  return sites;
}

/** Per cell type, [edges, ops] latencies summed over the cells of that type. */
export interface LatencyMatrices { normal: number[][]; reduce: number[][] }

export function latencyMatrices(sites: EdgeOpSite[], edges: number, ops: number, lookup: OpLatencyLookup): LatencyMatrices {
  const zero = (): number[][] => Array.from({ length: edges }, () => new Array<number>(ops).fill(0));
  const m: LatencyMatrices = { normal: zero(), reduce: zero() };
  const missing = new Set<string>();
  for (const s of sites) {
    if (s.opName === ZERO_OP) continue;
    const ms = lookup(s.key);
    if (ms === undefined || !Number.isFinite(ms)) { missing.add(s.key); continue; }
    m[s.cellType][s.edge][s.op] += ms;
  }
  if (missing.size) throw new Error(`latency table has no entry for ${[...missing].slice(0, 5).join(', ')}${missing.size > 5 ? ` and ${missing.size - 5} more` : ''}`);
  return m;
}

/**
 * What the latency term prices: null, every op at its share of the mixing weights (`all`); else the
 * ops with weights (`weighted`: true per op of the space), each edge's weights renormalised over them,
 * and with `dearFree` (`priced`) each parameter-free op's excess over that expectation at its odds.
 */
export type LatencyPricing = { weighted: boolean[]; dearFree: boolean } | null;

/** The pricing of a scope over the space's ops. Throws when a scope but `all` leaves an edge nothing to price (a space of parameter-free ops only). */
export function pricedOps(ops: readonly string[], scope: LatencyOps = 'all'): LatencyPricing {
  if (scope === 'all') return null;
  const weighted = ops.map((op) => !PARAMETER_FREE_OPS.includes(op));
  if (!weighted.some(Boolean)) throw new Error(`latency ops '${scope}': the space's ops (${ops.join(', ')}) have none with weights to price`);
  return { weighted, dearFree: scope === 'priced' };
}

/** The identity going forward, no gradient going back: the excess's reference expectation is a constant of the step. */
const stopGradient = (x: tf.Tensor): tf.Tensor => tf.customGrad((input) => ({ value: tf.clone(input as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) }))(x);

/**
 * Expected latency (ms) under the given mixing weights: a scalar tensor, differentiable in them.
 * With a pricing, each edge's weights are renormalised over its weighted ops (the others get none),
 * and with `dearFree` each parameter-free op adds its odds times its excess over that (see above).
 */
export function expectedLatency(weights: { normal: tf.Tensor; reduce: tf.Tensor }, lat: LatencyMatrices, pricing: LatencyPricing = null): tf.Scalar {
  return tf.tidy(() => {
    const cost = (w: tf.Tensor, m: number[][]): tf.Tensor => {
      const L = tf.tensor2d(m);
      if (!pricing) return tf.sum(tf.mul(w, L));
      const mask = tf.tensor1d(pricing.weighted.map(Number));
      const mass = tf.sum(tf.mul(w, mask), 1, true);
      const perEdge = tf.sum(tf.mul(tf.div(tf.mul(w, mask), mass), L), 1, true);
      if (!pricing.dearFree) return tf.sum(perEdge);
      const odds = tf.div(tf.mul(w, tf.sub(1, mask)), mass);
      const excess = tf.relu(tf.sub(L, stopGradient(perEdge)));
      return tf.add(tf.sum(perEdge), tf.sum(tf.mul(odds, excess)));
    };
    return tf.add(cost(weights.normal, lat.normal), cost(weights.reduce, lat.reduce)) as tf.Scalar;
  });
}

/** The uniform-weight expectation (under the pricing when given): the scale T when no target is given. */
export function uniformLatency(lat: LatencyMatrices, pricing: LatencyPricing = null): number {
  const rowCost = (row: number[]): number => {
    if (!pricing) return row.reduce((a, b) => a + b, 0) / row.length;
    const xs = row.filter((_, k) => pricing.weighted[k]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    // At uniform weights each parameter-free op's odds against the weighted ops are 1 / (their count).
    const excess = pricing.dearFree ? row.reduce((s, l, k) => s + (pricing.weighted[k] ? 0 : Math.max(0, l - mean)), 0) / xs.length : 0;
    return mean + excess;
  };
  const total = (m: number[][]): number => m.reduce((s, row) => s + rowCost(row), 0);
  return total(lat.normal) + total(lat.reduce);
}

/** One edge of a derived genotype on the table: its op's column and its supernet row's latencies. */
export interface GenotypeEdgeLatency { half: CellType; op: number; row: number[] }

/** Every edge of a genotype with its supernet row of the matrices (summed over the cells of its type). */
export function genotypeEdgeLatencies(g: CellGenotype, lat: LatencyMatrices, ops: readonly string[]): GenotypeEdgeLatency[] {
  return (['normal', 'reduce'] as const).flatMap((half) => g[half].map(([op, input], i) => {
    // A genotype lists two edges per node, in node order.
    const k = ops.indexOf(op);
    const row = lat[half][firstEdgeOf(Math.floor(i / 2)) + input];
    if (k < 0 || row === undefined) throw new Error(`genotype latency: ${half} edge ${i} (${op}, input ${input}) is not in the supernet's matrices`);
    return { half, op: k, row };
  }));
}

/**
 * The table's latency of a discrete genotype: per cell type, the sum of its edges' ops (summed over
 * the cells of that type, as the matrices are). This is the expected latency at one-hot weights on
 * the genotype's edges, i.e. the figure the search's latency term prices, read off the cell it
 * derives rather than off the mixing weights (which also spend weight on edges the derivation drops).
 */
export function genotypeLatency(g: CellGenotype, lat: LatencyMatrices, ops: readonly string[]): number {
  return genotypeEdgeLatencies(g, lat, ops).reduce((ms, e) => ms + e.row[e.op], 0);
}

/** The architecture loss with the latency term (a scalar tensor); `multiplier` is lambda of the lagrange form. */
export function latencyAwareLoss(ce: tf.Scalar, expectedMs: tf.Scalar, cfg: LatencyLossConfig, scaleMs: number, multiplier = 0): tf.Scalar {
  return tf.tidy(() => {
    if (cfg.weight === 0) return tf.clone(ce);
    const r = tf.div(expectedMs, cfg.targetMs ?? scaleMs);
    if (cfg.form === 'lagrange') return tf.add(ce, tf.mul(tf.sub(r, 1), multiplier)) as tf.Scalar;
    if (cfg.form === 'multiplicative') return tf.mul(ce, tf.pow(r, cfg.weight)) as tf.Scalar;
    const over = cfg.targetMs === undefined ? r : tf.relu(tf.sub(r, 1));
    return tf.add(ce, tf.mul(over, cfg.weight)) as tf.Scalar;
  });
}

/** The lagrange form's multiplier after a step that saw `expectedMs`: dual ascent on R - 1, kept at 0 or above. */
export function nextMultiplier(multiplier: number, expectedMs: number, cfg: LatencyLossConfig): number {
  if (cfg.form !== 'lagrange' || cfg.weight === 0) return 0;
  return Math.max(0, multiplier + cfg.weight * (expectedMs / cfg.targetMs! - 1));
}

/**
 * Measures every distinct key of the sites in this process: batch 1, inference mode, `warmup`
 * runs then the median of `repeats`. For when no lookup table from `cellscape lut` is given; as
 * noisy as the machine it runs on.
 */
export function measureSiteLatencies(sites: EdgeOpSite[], o: { warmup?: number; repeats?: number } = {}): Map<string, number> {
  const warmup = o.warmup ?? 3;
  const repeats = o.repeats ?? 11;
  const table = new Map<string, number>();
  for (const s of sites) {
    if (s.opName === ZERO_OP || table.has(s.key)) continue;
    const x = tf.randomNormal([1, ...s.inShape]);
    const run = (): void => { const y = tf.tidy(() => s.layer.forward(x, false)); y.dataSync(); y.dispose(); };
    for (let i = 0; i < warmup; i++) run();
    const times = Array.from({ length: repeats }, () => { const t = performance.now(); run(); return performance.now() - t; });
    x.dispose();
    times.sort((a, b) => a - b);
    table.set(s.key, times[Math.floor(repeats / 2)]);
  }
  return table;
}
