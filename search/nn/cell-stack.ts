/**
 * A stack of DARTS cells after a stem, as quark0/darts chains them: each cell reads the outputs
 * of the two cells before it (the stem's output standing in for both at the start), and a
 * reduction cell doubles the channels. The classification (darts.ts) and segmentation
 * (seg-backbones.ts) backbones differ only in their stems and where the reductions are.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import type { Shape } from './module.ts';
import { DartsCell, type CellEdgeWiring, type EdgeFactory } from './cell.ts';
import type { ForwardContext } from './network.ts';

/** The wiring of the normal and the reduction cell, with the nodes each concatenates. */
export interface CellPlan { normal: CellEdgeWiring[]; normalConcat: number[]; reduce: CellEdgeWiring[]; reduceConcat: number[] }

export interface CellStackOptions {
  /** Channels of the stem's output. */
  stemChannels: number;
  /** Channels of the first cells, doubled at each reduction. */
  C: number;
  layers: number;
  /** Indices of the reduction cells. */
  reductions: readonly number[];
  affine?: boolean;
}

export function buildCellStack(plan: CellPlan, o: CellStackOptions, rng: Rng, factory: EdgeFactory): DartsCell[] {
  let [cPrevPrev, cPrev, cCurr] = [o.stemChannels, o.stemChannels, o.C];
  let reductionPrev = false;
  const cells: DartsCell[] = [];
  for (let i = 0; i < o.layers; i++) {
    const reduction = o.reductions.includes(i);
    if (reduction) cCurr *= 2;
    const cell = new DartsCell({
      cPrevPrev, cPrev, C: cCurr, reduction, reductionPrev, cellIndex: i, affine: o.affine,
      edges: reduction ? plan.reduce : plan.normal, concat: reduction ? plan.reduceConcat : plan.normalConcat,
    }, rng, factory);
    cells.push(cell);
    reductionPrev = reduction;
    [cPrevPrev, cPrev] = [cPrev, cell.outChannels];
  }
  return cells;
}

/** Each cell's output, given the stem's; a supernet's cells take their mixing weights from `ctx`. */
export function runCellStack(cells: readonly DartsCell[], stemOut: tf.Tensor, training: boolean, ctx: ForwardContext): tf.Tensor[] {
  let [s0, s1] = [stemOut, stemOut];
  return cells.map((cell) => {
    const r = cell.config.reduction;
    const f = { weights: r ? ctx.reduce : ctx.normal, edgeWeights: r ? ctx.reduceEdges : ctx.normalEdges, paths: ctx.paths?.[r ? 'reduce' : 'normal'], othersAsBias: ctx.othersAsBias, auxSkip: ctx.auxSkip, dropPathProb: ctx.dropPathProb, rng: ctx.rng };
    [s0, s1] = [s1, cell.forward(s0, s1, training, f)];
    return s1;
  });
}

/** Each cell's per-image output shape, given the stem's. */
export function cellStackShapes(cells: readonly DartsCell[], stemShape: Shape): Shape[] {
  let [s0, s1] = [stemShape, stemShape];
  return cells.map((cell) => {
    [s0, s1] = [s1, cell.outputShape(s0, s1)];
    return s1;
  });
}

/** MACs per image of the cells (the stem's not included), given the stem's output shape. */
export function cellStackFlops(cells: readonly DartsCell[], stemShape: Shape): number {
  let [s0, s1] = [stemShape, stemShape];
  let total = 0;
  for (const cell of cells) {
    total += cell.flops(s0, s1);
    [s0, s1] = [s1, cell.outputShape(s0, s1)];
  }
  return total;
}
