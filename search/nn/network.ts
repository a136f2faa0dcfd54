/**
 * A network = backbone (multi-level features) + head (classifier or segmentation head), plus an
 * optional auxiliary classifier used only in training. Builders in darts.ts, nb201.ts and
 * block.ts return Networks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import type { Task } from '../contracts/task.ts';
import { Layer, Module, type ModuleConfig, type NamedVariable, type Shape } from './module.ts';

/** Extra forward inputs. `normal`/`reduce`: a supernet's mixing weights, [edges, ops] (already softmaxed). */
export interface ForwardContext {
  normal?: tf.Tensor;
  reduce?: tf.Tensor;
  /** Per-edge weights [edges] scaling each supernet edge's output (PC-DARTS edge normalisation). */
  normalEdges?: tf.Tensor;
  reduceEdges?: tf.Tensor;
  /** Coefficient of the auxiliary skip of supernet edges built with one (DARTS-). */
  auxSkip?: number;
  /**
   * Per cell type and supernet edge, the one op the edge computes (its output times that op's
   * mixing weight), null for an edge left out of its node's sum, or undefined for the whole
   * mixture: a single-path pass costs one op an edge instead of all of them. Where the weights are
   * one-hot (zero) on those rows, the result equals the full mixture's.
   */
  paths?: Partial<Record<'normal' | 'reduce', readonly (number | null | undefined)[]>>;
  /** With `paths`: each edge adds the weights of its ops not computed (GDAS, cell.ts EdgeForward.othersAsBias). */
  othersAsBias?: boolean;
  /** DARTS drop-path probability for non-identity edges in training; needs `rng` for the masks. */
  dropPathProb?: number;
  rng?: Rng;
}

export interface BackboneOutput {
  /** One map per resolution, finest first, the last being the deepest. */
  features: tf.Tensor[];
  /** Input of the auxiliary head, when the backbone defines one. */
  auxInput?: tf.Tensor;
}

export abstract class Backbone extends Module {
  abstract run(x: tf.Tensor, training: boolean, ctx?: ForwardContext): BackboneOutput;
  /** Per-image shapes of `features`, finest first. */
  abstract featureShapes(inShape: Shape): Shape[];
  abstract auxShape(inShape: Shape): Shape | undefined;
  abstract flops(inShape: Shape): number;
}

export abstract class Head extends Module {
  /** Logits: [b, classes], or [b, H, W, classes] at the input resolution for segmentation. */
  abstract forward(features: tf.Tensor[], inShape: Shape, training: boolean): tf.Tensor;
  abstract outputShape(featureShapes: Shape[], inShape: Shape): Shape;
  abstract flops(featureShapes: Shape[], inShape: Shape): number;
}

export interface NetworkConfig {
  task: Task;
  classes: number;
  /** Per-image input shape [h, w, c]. */
  inShape: Shape;
  [key: string]: unknown;
}

export class Network extends Module {
  readonly kind = 'network';
  readonly config: NetworkConfig & ModuleConfig;
  readonly backbone: Backbone;
  readonly head: Head;
  readonly auxiliary?: Layer;

  constructor(config: NetworkConfig, backbone: Backbone, head: Head, auxiliary?: Layer) {
    super();
    this.config = config;
    this.backbone = this.addChild('backbone', backbone);
    this.head = this.addChild('head', head);
    if (auxiliary) this.auxiliary = this.addChild('auxiliary', auxiliary);
  }

  /** Logits; x is [b, h, w, c]. */
  forward(x: tf.Tensor, training: boolean, ctx?: ForwardContext): tf.Tensor {
    return tf.tidy(() => this.head.forward(this.backbone.run(x, training, ctx).features, x.shape.slice(1), training));
  }

  /** Logits and, when the network has an auxiliary head, its logits (for the training loss). */
  forwardWithAux(x: tf.Tensor, training: boolean, ctx?: ForwardContext): { logits: tf.Tensor; auxLogits?: tf.Tensor } {
    return tf.tidy(() => {
      const out = this.backbone.run(x, training, ctx);
      const logits = this.head.forward(out.features, x.shape.slice(1), training);
      const auxLogits = this.auxiliary && out.auxInput ? this.auxiliary.forward(out.auxInput, training) : undefined;
      return auxLogits ? { logits, auxLogits } : { logits };
    });
  }

  /** Multi-level features, finest first, for heads built outside the network. */
  features(x: tf.Tensor, training: boolean, ctx?: ForwardContext): tf.Tensor[] {
    return tf.tidy(() => this.backbone.run(x, training, ctx).features);
  }

  outputShape(inShape: Shape = this.config.inShape): Shape {
    return this.head.outputShape(this.backbone.featureShapes(inShape), inShape);
  }

  /** MACs per image of the inference network (auxiliary head excluded). */
  flops(inShape: Shape = this.config.inShape): number {
    return this.backbone.flops(inShape) + this.head.flops(this.backbone.featureShapes(inShape), inShape);
  }

  /** Trainable variables of the inference network, without the training-only auxiliary head. */
  inferenceVariables(): NamedVariable[] {
    return this.variables().filter((v) => !v.name.startsWith('auxiliary.'));
  }

  /** Parameters of the inference network: the auxiliary head is excluded, as DARTS reports it. */
  override paramCount(): number {
    return this.inferenceVariables().reduce((s, { variable }) => s + variable.size, 0);
  }
}

/** Level boundaries: index of the last unit at each resolution, given each unit's output shape. */
export function levelEnds(shapes: Shape[]): number[] {
  const ends: number[] = [];
  shapes.forEach((s, i) => {
    const next = shapes[i + 1];
    if (!next || next[0] !== s[0] || next[1] !== s[1]) ends.push(i);
  });
  return ends;
}

/** The items (a backbone's unit outputs or their shapes) at the level ends of `unitShapes`. */
export function atLevelEnds<T>(unitShapes: Shape[], items: readonly T[]): T[] {
  return levelEnds(unitShapes).map((e) => items[e]);
}
