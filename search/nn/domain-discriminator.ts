/**
 * A small domain discriminator on a feature map: per position, a hidden layer and a logit that
 * the position's features come from the target domain (1x1 convolutions written as dense layers
 * on the channel axis), so that alignment works on every location a segmentation head reads.
 * Training-only: it is no part of the network a search measures or exports.
 */
import * as tf from '@tensorflow/tfjs';
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

  /**
   * Logits [b, h, w, 1] of "target" for features [b, h, w, channels]. It reads each position's
   * feature vector scaled to unit length: through a gradient reversal, features could otherwise
   * fool it by growing without bound (segmenter-like's discriminator loss rose to 167 so).
   */
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const unit = tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-6)));
      return this.out.forward(this.relu.forward(this.hiddenLayer.forward(unit, training)), training);
    });
  }

  outputShape(inShape: Shape): Shape { return this.out.outputShape(this.hiddenLayer.outputShape(inShape)); }

  flops(inShape: Shape): number { return this.hiddenLayer.flops(inShape) + this.out.flops(this.hiddenLayer.outputShape(inShape)); }
}
