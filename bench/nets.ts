/**
 * The yardstick networks R1 and R2 of shared/bench/REFERENCE_NETS.md, built from search/nn's
 * layers so the bench times the project's own code (fused conv bias/ReLU, closed-form batch
 * norm, MBConv, global attention). Padding follows the PyTorch reference (symmetric, floor
 * rounding), so shapes and parameter counts equal torch_ref.py's; its initialisation is not
 * reproduced: timings do not depend on it.
 */
import type * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Dense, GlobalAttention, GlobalAvgPool, ReLU, Sequential, attentionOp, mbconv, type Layer } from '../search/nn/index.ts';
import type { Rng } from '../search/util/rng.ts';

export interface BenchNet {
  name: string;
  inputShape: [number, number, number, number];
  variables: tf.Variable[];
  /** Trainable scalars, to compare with PyTorch's sum(p.numel() for p in model.parameters()). */
  paramCount: number;
  /** Logits [batch, 10]. Training mode uses batch statistics and updates the running ones. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  dispose(): void;
}

function benchNet(name: string, inputShape: BenchNet['inputShape'], layers: [string, Layer][]): BenchNet {
  const net = new Sequential(layers, name);
  return {
    name,
    inputShape,
    variables: net.variables().map((v) => v.variable),
    paramCount: net.paramCount(),
    forward: (x, training) => net.forward(x, training) as tf.Tensor2D,
    dispose: () => net.dispose(),
  };
}

export function buildR1(rng: Rng): BenchNet {
  return benchNet('R1', [32, 32, 32, 3], [
    ['conv1', new Conv2d(3, 16, 3, rng, { bias: true })], ['relu1', new ReLU()],
    ['dw', new Conv2d(16, 16, 3, rng, { groups: 16, bias: true })],
    ['pw', new Conv2d(16, 32, 1, rng, { bias: true })], ['relu2', new ReLU()],
    ['conv2', new Conv2d(32, 32, 3, rng, { stride: 2, bias: true })], ['relu3', new ReLU()],
    ['gap', new GlobalAvgPool()], ['fc', new Dense(32, 10, rng)],
  ]);
}

export function buildR2(rng: Rng): BenchNet {
  return benchNet('R2', [64, 28, 28, 1], [
    ['stem', new Conv2d(1, 16, 3, rng)], ['stem_bn', new BatchNorm(16)], ['stem_relu', new ReLU()],
    ['mb1', mbconv(16, 24, 5, 2, 3, rng)],
    ['mb2', mbconv(24, 24, 3, 1, 3, rng)],
    ['mb3', mbconv(24, 32, 5, 2, 3, rng)],
    // Pre-LayerNorm global attention, 4 heads of 8, qkv and proj dense with bias, residual.
    ['attn', attentionOp(32, 32, 1, rng, new GlobalAttention(32, rng, { heads: 4 }))],
    ['gap', new GlobalAvgPool()], ['fc', new Dense(32, 10, rng)],
  ]);
}
