/**
 * NAS-Bench-201 cell network (AutoDL-Projects TinyNetwork): stem 3x3 conv + BN, three stages of
 * N cells (C, 2C, 4C) joined by ResNet basic blocks of stride 2, then BN + ReLU, global pool and
 * a linear classifier. A cell has 4 nodes; node i sums an op applied to every earlier node; the
 * last node is the output.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import type { TabularCellGenotype } from '../space/types.ts';
import type { Task } from '../contracts/task.ts';
import { Layer, ModuleList, Sequential, chainFlops, chainShapes, type ModuleConfig, type Shape } from './module.ts';
import { BatchNorm, Conv2d, ReLU } from './layers.ts';
import { ResNetBasicBlock, buildOp } from './ops.ts';
import { isWeighted, type EdgeFactory } from './cell.ts';
import { Backbone, Network, atLevelEnds, type BackboneOutput, type ForwardContext } from './network.ts';
import { buildHead, type HeadKind } from './heads.ts';

/** A cell as a Layer; weighted (supernet) edges read their mixing weights from `ctx.normal`, [edges, ops]. */
export class Nb201Cell extends Layer {
  readonly kind = 'nb201_cell';
  readonly config: { C: number; nodes: number; edges: { from: number; to: number; op?: string }[] };
  readonly edges: ModuleList<Layer>;
  /** Set per forward by the backbone: the supernet's mixing weights. */
  private weights?: tf.Tensor;

  constructor(C: number, wiring: { from: number; to: number; op?: string }[], cellIndex: number, rng: Rng, factory: EdgeFactory) {
    super();
    const nodes = Math.max(...wiring.map((e) => e.to)) + 1;
    this.config = { C, nodes, edges: wiring };
    this.edges = this.addChild('edges', new ModuleList(wiring.map((e, i) =>
      factory({ op: e.op, C, stride: 1, cell: cellIndex, edge: i, reduction: false }, rng))));
  }

  forwardWith(x: tf.Tensor, training: boolean, weights?: tf.Tensor): tf.Tensor {
    this.weights = weights;
    try { return this.forward(x, training); } finally { this.weights = undefined; }
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const rows = this.weights ? tf.unstack(this.weights) : undefined;
      const nodes: tf.Tensor[] = [x];
      const sums: tf.Tensor[][] = Array.from({ length: this.config.nodes }, () => []);
      this.config.edges.forEach((e, i) => {
        while (nodes.length < e.to) nodes.push(tf.addN(sums[nodes.length]));
        const op = this.edges.items[i];
        if (isWeighted(op)) {
          if (!rows) throw new Error('a supernet cell needs mixing weights at forward time (ctx.normal)');
          sums[e.to].push(op.forwardWeighted(nodes[e.from], rows[i], training));
        } else {
          sums[e.to].push(op.forward(nodes[e.from], training));
        }
      });
      return tf.addN(sums[this.config.nodes - 1]);
    });
  }

  outputShape(inShape: Shape): Shape { return inShape; }

  flops(inShape: Shape): number { return this.edges.items.reduce((s, op) => s + op.flops(inShape), 0); }
}

/** Wiring of a NAS-Bench-201 genotype: nodes[i][j] is the op on edge j -> i+1. */
export function nb201Wiring(g: TabularCellGenotype): { from: number; to: number; op: string }[] {
  return g.nodes.flatMap((ops, i) => {
    if (ops.length !== i + 1) throw new Error(`NAS-Bench-201 node ${i + 1} needs ${i + 1} incoming ops, got ${ops.length}`);
    return ops.map((op, j) => ({ from: j, to: i + 1, op }));
  });
}

export class Nb201Backbone extends Backbone {
  readonly kind = 'nb201_backbone';
  readonly config: ModuleConfig & { C: number; cellsPerStage: number; inChannels: number };
  private readonly stem: Sequential;
  readonly units: ModuleList<Layer>;
  private readonly lastAct: Sequential;

  constructor(wiring: { from: number; to: number; op?: string }[], o: { C: number; cellsPerStage: number; inChannels: number }, rng: Rng, factory: EdgeFactory) {
    super();
    const { C, cellsPerStage: N } = o;
    this.config = { ...o };
    this.stem = this.addChild('stem', new Sequential([['conv', new Conv2d(o.inChannels, C, 3, rng)], ['bn', new BatchNorm(C)]]));
    const units: Layer[] = [];
    let cPrev = C;
    for (const [stage, c] of [C, 2 * C, 4 * C].entries()) {
      if (stage > 0) units.push(new ResNetBasicBlock(cPrev, c, 2, rng));
      for (let i = 0; i < N; i++) units.push(new Nb201Cell(c, wiring, units.length, rng, factory));
      cPrev = c;
    }
    this.units = this.addChild('cells', new ModuleList(units));
    this.lastAct = this.addChild('lastact', new Sequential([['bn', new BatchNorm(cPrev)], ['relu', new ReLU()]]));
  }

  run(x: tf.Tensor, training: boolean, ctx: ForwardContext = {}): BackboneOutput {
    let h = this.stem.forward(x, training);
    const outs: tf.Tensor[] = [];
    for (const u of this.units.items) {
      h = u instanceof Nb201Cell ? u.forwardWith(h, training, ctx.normal) : u.forward(h, training);
      outs.push(h);
    }
    outs.push(this.lastAct.forward(h, training));
    return { features: atLevelEnds(this.unitShapes(x.shape.slice(1)), outs) };
  }

  private unitShapes(inShape: Shape): Shape[] {
    return chainShapes([...this.units.items, this.lastAct], this.stem.outputShape(inShape));
  }

  featureShapes(inShape: Shape): Shape[] {
    const shapes = this.unitShapes(inShape);
    return atLevelEnds(shapes, shapes);
  }

  auxShape(): undefined { return undefined; }

  flops(inShape: Shape): number { return chainFlops([this.stem, ...this.units.items], inShape); }
}

export interface Nb201Options {
  /** Channels of the first stage (NAS-Bench-201: 16). */
  C?: number;
  /** Cells per stage (NAS-Bench-201: 5). */
  cellsPerStage?: number;
  classes: number;
  inShape: Shape;
  task?: Task;
  head?: HeadKind;
  edgeFactory?: EdgeFactory;
}

const nb201Factory: EdgeFactory = (e, rng) => buildOp(e.op!, e.C, e.stride, rng);

export function buildNb201Network(g: TabularCellGenotype, o: Nb201Options, rng: Rng): Network {
  return assembleNb201(nb201Wiring(g), o, rng, o.edgeFactory ?? nb201Factory, { genotype: g });
}

/**
 * NAS-Bench-201 supernet: every edge built by `factory` (e.g. a MixedOp over the five ops);
 * forward(x, training, { normal: weights [6, ops] }) — all cells share the weights.
 */
export function buildNb201Supernet(factory: EdgeFactory, o: Omit<Nb201Options, 'edgeFactory'>, rng: Rng): Network {
  const wiring = [1, 2, 3].flatMap((to) => Array.from({ length: to }, (_, from) => ({ from, to })));
  return assembleNb201(wiring, o, rng, factory, { supernet: { edges: wiring.length } });
}

function assembleNb201(wiring: { from: number; to: number; op?: string }[], o: Nb201Options, rng: Rng, factory: EdgeFactory, extra: Record<string, unknown>): Network {
  const task = o.task ?? 'classification';
  const C = o.C ?? 16;
  const cellsPerStage = o.cellsPerStage ?? 5;
  const backbone = new Nb201Backbone(wiring, { C, cellsPerStage, inChannels: o.inShape[2] }, rng, factory);
  const head = buildHead(o.head, task, backbone.featureShapes(o.inShape), o.classes, rng);
  return new Network({ task, classes: o.classes, inShape: o.inShape, C, cellsPerStage, ...extra }, backbone, head);
}
