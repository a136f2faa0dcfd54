/**
 * HarDNet's harmonic dense block (Chao et al., ICCV 2019; PingoLH/Pytorch-HarDNet HarDBlock) as
 * one block-space layer: layer k reads the concatenation of layers k - 2^i for every 2^i dividing
 * k (layer 0 is the block input), with growth * mult^(number of such i beyond the first) channels
 * rounded down to even; the block's output concatenates the odd layers and the last, and a 1x1
 * conv BN ReLU transition sets the width. A strided use first pools (3x3 average, stride 2) as the
 * attention layers do, since HarDNet reduces between blocks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, ModuleList, Sequential, type Shape } from './module.ts';
import { Pool2d } from './layers.ts';
import { convBnRelu } from './ops.ts';

/** Links and output channels of each harmonic layer 1..n (index 0 is the block input, of `cin` channels). */
export function harmonicLinks(n: number, cin: number, growth: number, mult: number): { links: number[][]; channels: number[]; outputs: number[] } {
  const links: number[][] = [[]];
  const channels = [cin];
  for (let k = 1; k <= n; k++) {
    let out = growth;
    const link: number[] = [];
    for (let i = 0; 2 ** i <= k; i++) {
      if (k % 2 ** i !== 0) continue;
      link.push(k - 2 ** i);
      if (i > 0) out *= mult;
    }
    links.push(link);
    channels.push(Math.floor(Math.floor(out + 1) / 2) * 2);
  }
  const outputs = channels.map((_, i) => i).filter((i) => i === n || i % 2 === 1);
  return { links, channels, outputs };
}

export class HarmonicDenseBlock extends Layer {
  readonly kind = 'harmonic_dense_block';
  readonly config: { cin: number; cout: number; kernel: number; stride: number; growth: number; mult: number; links: number[][]; channels: number[]; outputs: number[] };
  private readonly down?: Pool2d;
  private readonly layers: ModuleList<Sequential>;
  private readonly transition: Sequential;

  /** `dilation`: of the kxk layers (output-stride control, as in the other block layers). */
  constructor(cin: number, cout: number, kernel: number, stride: number, rng: Rng, o: { n?: number; growth?: number; mult?: number; dilation?: number } = {}) {
    super();
    const n = o.n ?? 4;
    const growth = o.growth ?? Math.max(2, 2 * Math.round(cout / 8));
    const mult = o.mult ?? 1.7;
    const { links, channels, outputs } = harmonicLinks(n, cin, growth, mult);
    this.config = { cin, cout, kernel, stride, growth, mult, links, channels, outputs };
    if (stride !== 1) this.down = this.addChild('down', new Pool2d('avg', 3, stride, 1));
    this.layers = this.addChild('layers', new ModuleList(links.slice(1).map((link, i) =>
      convBnRelu(link.reduce((s, j) => s + channels[j], 0), channels[i + 1], kernel, 1, rng, o.dilation ?? 1))));
    this.transition = this.addChild('transition', convBnRelu(outputs.reduce((s, i) => s + channels[i], 0), cout, 1, 1, rng));
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    const { links, outputs } = this.config;
    return tf.tidy(() => {
      const states = [this.down ? this.down.forward(x) : x];
      this.layers.items.forEach((layer, i) => {
        const ins = links[i + 1].map((j) => states[j]);
        states.push(layer.forward(ins.length === 1 ? ins[0] : tf.concat(ins, 3), training));
      });
      const outs = outputs.map((i) => states[i]);
      return this.transition.forward(outs.length === 1 ? outs[0] : tf.concat(outs, 3), training);
    });
  }

  outputShape(inShape: Shape): Shape {
    if (inShape[2] !== this.config.cin) throw new Error(`harmonic dense block expects ${this.config.cin} channels, got ${inShape[2]}`);
    const [h, w] = this.down ? this.down.outputShape(inShape) : inShape;
    return [h, w, this.config.cout];
  }

  flops(inShape: Shape): number {
    const { links, channels, outputs } = this.config;
    const [h, w] = this.outputShape(inShape);
    return this.layers.items.reduce((s, l, i) => s + l.flops([h, w, links[i + 1].reduce((a, j) => a + channels[j], 0)]), 0) +
      this.transition.flops([h, w, outputs.reduce((a, i) => a + channels[i], 0)]);
  }
}
