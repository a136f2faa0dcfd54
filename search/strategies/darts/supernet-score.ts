/**
 * Scoring the supernet under fixed mixing weights: what DARTS-PT's moves compare, and what a
 * discretised genotype scores with the weights it inherits (bench/darts-supernet-fidelity.ts).
 * Classification spaces only (the score is top-1 accuracy).
 */
import * as tf from '@tensorflow/tfjs';
import type { ZeroCostProxy } from '../../evaluate/zero-cost/index.ts';
import type { Network } from '../../nn/network.ts';
import type { CellGenotype } from '../../space/types.ts';
import type { CellType } from '../supernet.ts';
import { CELL_TYPES, readEdgeWeights, readMixingWeights, type ArchParams, type MixContext } from './arch.ts';
import type { XY } from './bilevel.ts';
import { firstEdgeOf } from './derive.ts';
import type { DartsSession } from './session.ts';

/** One cell type's forward weights: mixing rows and, with edge normalisation, edge weights. */
export interface CellWeights { rows: number[][]; edges: number[] | null }

export interface SupernetScore { acc: number; loss: number }

/** The architecture's current forward weights as plain rows, copies the caller may change (the base genotypeWeights and DARTS-PT's moves start from). */
export function supernetWeights(arch: ArchParams): Record<CellType, CellWeights> {
  const mixing = readMixingWeights(arch), edges = readEdgeWeights(arch);
  const of = (t: CellType): CellWeights => ({ rows: mixing[t].map((r) => [...r]), edges: edges?.[t] ?? null });
  return { normal: of('normal'), reduce: of('reduce') };
}

/**
 * Per edge, the op a single-path pass can compute alone without changing the result: the one
 * nonzero weight of its row; null for an edge that adds nothing (a zero row, and with edge
 * normalisation a zero edge weight, since its bypassed channels flow otherwise); undefined
 * (the whole mixture) for any other row.
 */
export function pathsOf(w: CellWeights): (number | null | undefined)[] {
  return w.rows.map((r, e) => {
    const live = r.flatMap((x, k) => (x !== 0 ? [k] : []));
    if (live.length === 1) return live[0];
    return live.length === 0 && (!w.edges || w.edges[e] === 0) ? null : undefined;
  });
}

const contextOf = (w: Record<CellType, CellWeights>): MixContext => ({
  normal: tf.tensor2d(w.normal.rows), reduce: tf.tensor2d(w.reduce.rows),
  ...(w.normal.edges && w.reduce.edges ? { normalEdges: tf.tensor1d(w.normal.edges), reduceEdges: tf.tensor1d(w.reduce.edges) } : {}),
  paths: { normal: pathsOf(w.normal), reduce: pathsOf(w.reduce) },
});

/** A forward context of fixed weights (for weight steps taken under them). */
export const fixedMixer = (w: Record<CellType, CellWeights>) => (): MixContext => contextOf(w);

/** Accuracy and mean cross-entropy of the supernet on the batches under the given weights (BN on batch statistics). */
export function scoreSupernet(s: DartsSession, batches: readonly XY[], w: Record<CellType, CellWeights>): SupernetScore {
  let hits = 0, loss = 0, n = 0;
  for (const b of batches) {
    const [h, l] = tf.tidy(() => {
      const logits = s.net.forward(b.x, true, contextOf(w));
      const ce = tf.losses.softmaxCrossEntropy(b.y, logits);
      return [tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(b.y, 1)), 'float32')).dataSync()[0], ce.dataSync()[0]];
    });
    const m = b.x.shape[0];
    hits += h; loss += l * m; n += m;
  }
  return { acc: hits / n, loss: loss / n };
}

/**
 * A zero-cost proxy of the supernet under the given weights, averaged over the batches (-Infinity
 * when the proxy cannot score it: for jacob_cov, an output that no longer varies with an image).
 * The proxy sees the supernet as a network whose every pass runs under these weights.
 */
export function supernetProxy(s: DartsSession, batches: readonly XY[], w: Record<CellType, CellWeights>, proxy: ZeroCostProxy): number {
  const ctx = contextOf(w);
  const net: Network = Object.create(s.net, { forward: { value: (x: tf.Tensor, training: boolean) => s.net.forward(x, training, ctx) } });
  try {
    let sum = 0;
    for (const b of batches) {
      const r = proxy.usesData ? proxy.score(net, { x: b.x as tf.Tensor4D, loss: (logits) => tf.losses.softmaxCrossEntropy(b.y, logits) as tf.Scalar }) : proxy.score(net);
      if (!('value' in r)) return -Infinity;
      sum += r.value;
    }
    return sum / batches.length;
  } finally {
    tf.dispose([ctx.normal, ctx.reduce, ctx.normalEdges, ctx.reduceEdges].filter((t) => t !== undefined));
  }
}

/** Scores under BN in training mode move the running statistics; this puts them back afterwards. */
export function keepingBuffers<T>(s: DartsSession, fn: () => T): T {
  const buffers = s.net.buffers().map((b) => tf.clone(b.variable));
  try {
    return fn();
  } finally {
    s.net.buffers().forEach((b, i) => b.variable.assign(buffers[i]));
    tf.dispose(buffers);
  }
}

/**
 * A genotype as supernet weights: each of its edges one-hot at its operation, every other edge
 * zero; with edge normalisation its edges keep the supernet's edge weights (as DARTS-PT's kept
 * edges do), the others 0.
 */
export function genotypeWeights(g: CellGenotype, base: Record<CellType, CellWeights>, ops: readonly string[], nodes: number): Record<CellType, CellWeights> {
  const out = {} as Record<CellType, CellWeights>;
  for (const t of CELL_TYPES) {
    const rows = base[t].rows.map((r) => r.map(() => 0));
    const edges = base[t].edges && base[t].edges.map(() => 0);
    const half = g[t];
    if (half.length !== 2 * nodes) throw new Error(`genotype: the ${t} cell has ${half.length} edges, a ${nodes}-node supernet reads ${2 * nodes}`);
    half.forEach(([op, input], i) => {
      const node = Math.floor(i / 2);
      if (input > node + 1) throw new Error(`genotype: node ${node} of the ${t} cell reads input ${input}, beyond its ${node + 2}`);
      const k = ops.indexOf(op);
      if (k < 0) throw new Error(`genotype: operation ${op} of the ${t} cell is not in the supernet's (${ops.join(', ')})`);
      const e = firstEdgeOf(node) + input;
      rows[e][k] = 1;
      if (edges) edges[e] = base[t].edges![e];
    });
    out[t] = { rows, edges };
  }
  return out;
}
