/**
 * A small domain discriminator on a feature map: per position, a hidden layer and a logit that
 * the position's features come from the target domain (1x1 convolutions written as dense layers
 * on the channel axis), so that alignment works on every location a segmentation head reads.
 * Training-only: it is no part of the network a search measures or exports.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Dense, ReLU } from './layers.ts';
import { Layer, type Shape } from './module.ts';

export class DomainDiscriminator extends Layer {
  readonly kind = 'domain_discriminator';
  readonly config: { channels: number; hidden: number };
  private readonly hiddenLayer: Dense;
  private readonly relu = new ReLU();
  private readonly out: Dense;

  constructor(channels: number, rng: Rng, hidden = 32) {
    super();
    this.config = { channels, hidden };
    this.hiddenLayer = this.addChild('hidden', new Dense(channels, hidden, rng));
    this.out = this.addChild('out', new Dense(hidden, 1, rng));
  }

  /** Logits [b, h, w, 1] of "target" for features [b, h, w, channels]. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.out.forward(this.relu.forward(this.hiddenLayer.forward(x, training)), training);
  }

  outputShape(inShape: Shape): Shape { return this.out.outputShape(this.hiddenLayer.outputShape(inShape)); }

  flops(inShape: Shape): number { return this.hiddenLayer.flops(inShape) + this.out.flops(this.hiddenLayer.outputShape(inShape)); }
}
