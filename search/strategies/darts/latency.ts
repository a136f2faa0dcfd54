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
export const LATENCY_OPS = ['all', 'weighted'] as const;
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
 * Per op of the space, whether the latency term prices it; null prices every op. Throws when
 * `weighted` leaves an edge nothing to price (a space of parameter-free ops only).
 */
export function pricedOps(ops: readonly string[], scope: LatencyOps = 'all'): boolean[] | null {
  if (scope === 'all') return null;
  const priced = ops.map((op) => !PARAMETER_FREE_OPS.includes(op));
  if (!priced.some(Boolean)) throw new Error(`latency ops 'weighted': the space's ops (${ops.join(', ')}) have none with weights to price`);
  return priced;
}

/**
 * Expected latency (ms) under the given mixing weights: a scalar tensor, differentiable in them.
 * With `priced`, each edge's weights are renormalised over the priced ops (the others get none).
 */
export function expectedLatency(weights: { normal: tf.Tensor; reduce: tf.Tensor }, lat: LatencyMatrices, priced: readonly boolean[] | null = null): tf.Scalar {
  return tf.tidy(() => {
    const over = (w: tf.Tensor): tf.Tensor => {
      if (!priced) return w;
      const masked = tf.mul(w, tf.tensor1d(priced.map(Number)));
      return tf.div(masked, tf.sum(masked, 1, true));
    };
    return tf.add(tf.sum(tf.mul(over(weights.normal), tf.tensor2d(lat.normal))), tf.sum(tf.mul(over(weights.reduce), tf.tensor2d(lat.reduce)))) as tf.Scalar;
  });
}

/** The uniform-weight expectation (over the priced ops when given): the scale T when no target is given. */
export function uniformLatency(lat: LatencyMatrices, priced: readonly boolean[] | null = null): number {
  const rowMean = (row: number[]): number => {
    const xs = priced ? row.filter((_, k) => priced[k]) : row;
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const mean = (m: number[][]): number => m.reduce((s, row) => s + rowMean(row), 0);
  return mean(lat.normal) + mean(lat.reduce);
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
