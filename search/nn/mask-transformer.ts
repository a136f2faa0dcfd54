/**
 * Segmenter's mask-transformer decoder (Strudel et al., ICCV 2021; rstrudel/segmenter
 * MaskTransformer): the deepest map's patches projected to `dim`, one learned embedding per class
 * appended as tokens, transformer layers over patches and classes together (pre-LN attention and
 * MLP, each residual), LayerNorm, then per token a linear projection (patches and classes each
 * their own), L2-normalised; the masks are the dot products of patches with classes, LayerNorm
 * over classes, upsampled to the input. The MLP uses ReLU where Segmenter uses GELU.
 *
 * Tokens are kept as a [b, 1, tokens, dim] map so that the layers are the network's own
 * (1x1 convs for the linear maps, GlobalAttention over h*w = tokens) and export as they do.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { ModuleList, Sequential, type Shape } from './module.ts';
import { Conv2d, LayerNorm } from './layers.ts';
import { defaultHeads, transformerLayer } from './attention.ts';
import { truncNormal } from './init.ts';
import { Head } from './network.ts';

/** x / ||x|| over the last axis. */
const unit = (x: tf.Tensor): tf.Tensor => tf.div(x, tf.norm(x, 'euclidean', -1, true));

export class MaskTransformerHead extends Head {
  readonly kind = 'mask_transformer_head';
  readonly config: { cin: number; classes: number; dim: number; layers: number; mlp: number; heads: number };
  private readonly projDec: Conv2d;
  private readonly clsEmb: tf.Variable;
  private readonly blocks: ModuleList<Sequential>;
  private readonly decoderNorm: LayerNorm;
  private readonly projPatch: Conv2d;
  private readonly projClasses: Conv2d;
  private readonly maskNorm: LayerNorm;

  constructor(cin: number, classes: number, rng: Rng, o: { dim?: number; layers?: number } = {}) {
    super();
    const dim = o.dim ?? 32;
    const layers = o.layers ?? 2;
    const mlp = 4 * dim;
    const heads = defaultHeads(dim);
    this.config = { cin, classes, dim, layers, mlp, heads };
    this.projDec = this.addChild('proj_dec', new Conv2d(cin, dim, 1, rng, { bias: true }));
    this.clsEmb = this.addParam('cls_emb', [classes, dim], truncNormal(rng, classes * dim, 0.02));
    this.blocks = this.addChild('blocks', new ModuleList(Array.from({ length: layers }, () => transformerLayer(dim, rng, heads))));
    this.decoderNorm = this.addChild('decoder_norm', new LayerNorm(dim));
    this.projPatch = this.addChild('proj_patch', new Conv2d(dim, dim, 1, rng));
    this.projClasses = this.addChild('proj_classes', new Conv2d(dim, dim, 1, rng));
    this.maskNorm = this.addChild('mask_norm', new LayerNorm(classes));
  }

  forward(features: tf.Tensor[], [H, W]: Shape, training: boolean): tf.Tensor {
    const { classes, dim } = this.config;
    return tf.tidy(() => {
      const x = features[features.length - 1];
      const [b, h, w] = x.shape;
      const n = h! * w!;
      const patches = tf.reshape(this.projDec.forward(x, training), [b, 1, n, dim]);
      const cls = tf.tile(tf.reshape(this.clsEmb, [1, 1, classes, dim]), [b, 1, 1, 1]);
      let t = tf.concat([patches, cls], 2);
      for (const block of this.blocks.items) t = block.forward(t, training);
      t = this.decoderNorm.forward(t);
      const [p, c] = tf.split(t, [n, classes], 2);
      const pu = tf.reshape(unit(this.projPatch.forward(p, training)), [b, n, dim]);
      const cu = tf.reshape(unit(this.projClasses.forward(c, training)), [b, classes, dim]);
      const masks = this.maskNorm.forward(tf.matMul(pu, cu, false, true));
      return tf.image.resizeBilinear(tf.reshape(masks, [b, h!, w!, classes]) as tf.Tensor4D, [H, W], false, true);
    });
  }

  outputShape(_s: Shape[], [h, w]: Shape): Shape { return [h, w, this.config.classes]; }

  flops(shapes: Shape[]): number {
    const { classes, dim } = this.config;
    const [h, w, c] = shapes[shapes.length - 1];
    const n = h * w;
    const layers = this.blocks.items.reduce((s, b) => s + b.flops([1, n + classes, dim]), 0);
    // The class-patch products are the masks: n x classes dot products of length dim.
    return this.projDec.flops([h, w, c]) + layers + this.projPatch.flops([1, n, dim]) + this.projClasses.flops([1, classes, dim]) + n * classes * dim;
  }
}
