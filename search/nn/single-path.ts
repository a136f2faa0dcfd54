/**
 * Single-path one-shot (SPOS) supernets of DARTS cells: every supernet edge holds all candidate
 * ops, but a forward pass runs only the ops of the path chosen last (`selectPath`), so a step
 * costs one subnet's compute and trains (and moves the batch statistics of) that subnet's ops
 * only. The path is state rather than a forward argument so that the ordinary training loop and
 * evaluation (train/loop.ts, train/evaluate.ts) run a supernet as they run any network.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, ModuleList, type Shape } from './module.ts';
import { DartsCell } from './cell.ts';
import { buildSupernetCandidate, type DartsBackbone } from './darts.ts';
import type { Network } from './network.ts';

/** How many times each candidate op is on the path of one edge (a node may read one input through two edges). */
export type EdgeChoice = number[];

export class SinglePathOp extends Layer {
  readonly kind = 'single_path_op';
  readonly config: { ops: string[]; C: number; stride: number };
  readonly ops: ModuleList<Layer>;
  private counts: EdgeChoice = [];

  /**
   * Ops are built as in a DARTS supernet (buildSupernetCandidate): affine false, so a subnet's BN
   * scale and shift are the identity, and a BN after each pool. Without that BN a path of max
   * pools fed the classifier features of another scale and sign than the conv paths it had just
   * trained on: the sampled paths' loss jumped to 3-4 on them and the supernet never left chance.
   */
  constructor(ops: string[], C: number, stride: number, rng: Rng, shift = false) {
    super();
    this.config = { ops, C, stride };
    this.ops = this.addChild('ops', new ModuleList(ops.map((name) => buildSupernetCandidate(name, C, stride, rng, shift))));
  }

  select(counts: EdgeChoice): void {
    if (counts.length !== this.config.ops.length) throw new Error(`a path row has ${counts.length} entries for ${this.config.ops.length} ops`);
    this.counts = counts;
  }

  /**
   * The sum of the chosen ops' outputs; zeros when the path does not use this edge, by tf.fill:
   * tf.zeros builds them in JavaScript and copies them to the wasm heap, 30x as long.
   */
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const terms = this.counts.flatMap((n, k) => (n === 0 ? [] : [n === 1 ? this.ops.items[k].forward(x, training) : tf.mul(this.ops.items[k].forward(x, training), n)]));
      if (terms.length === 0) return tf.fill([x.shape[0], ...this.outputShape(x.shape.slice(1))], 0);
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    });
  }

  outputShape(inShape: Shape): Shape { return this.ops.items[0].outputShape(inShape); }

  /** The chosen ops' MACs. */
  flops(inShape: Shape): number {
    return this.counts.reduce((s, n, k) => s + n * this.ops.items[k].flops(inShape), 0);
  }
}

/** A path: per cell type, one EdgeChoice per supernet edge (DARTS edge order). */
export interface SupernetPath { normal: EdgeChoice[]; reduce: EdgeChoice[] }

/** Sets the path every SinglePathOp of a supernet (buildDartsSupernet with a SinglePathOp edge factory) runs next. */
export function selectPath(net: Network, path: SupernetPath): void {
  for (const cell of (net.backbone as DartsBackbone).cells.items) {
    if (!(cell instanceof DartsCell)) throw new Error('selectPath: not a cell supernet');
    const rows = cell.config.reduction ? path.reduce : path.normal;
    const edges = cell.edges.items;
    if (rows.length !== edges.length) throw new Error(`selectPath: ${rows.length} path rows for a cell of ${edges.length} edges`);
    edges.forEach((op, i) => {
      if (!(op instanceof SinglePathOp)) throw new Error('selectPath: the supernet\'s edges are not single-path ops');
      op.select(rows[i]);
    });
  }
}
