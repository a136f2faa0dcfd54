/**
 * Self-attention operations on NHWC feature maps. Both are pre-LayerNorm with a residual
 * shortcut (x + MSA(LN(x))); there is no MLP after them, so they are single operations that
 * keep their input shape, usable on a cell edge. Strided or channel-changing uses first reduce
 * with a 3x3 stride-2 average pool (same output size as the other strided ops) and, when the
 * width changes, a 1x1 conv + BN.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.ts';
import { Layer, Residual, Sequential, type Shape } from './module.ts';
import { BatchNorm, Conv2d, Dense, LayerNorm, Pool2d, ReLU } from './layers.ts';
import { truncNormal } from './init.ts';

/** The most heads (at most 8) leaving at least 16 channels per head; 1 for narrow layers. */
export function defaultHeads(C: number): number {
  for (const h of [8, 6, 4, 3, 2]) if (C % h === 0 && C / h >= 16) return h;
  return 1;
}

interface AttentionOptions { heads?: number; windowSize?: number; shift?: boolean }

/** The dense maps of an attention layer, as functions so that a weight-sharing supernet can pass slices of its own (nn/elastic.ts). */
export interface AttentionMaps { qkv: (t: tf.Tensor) => tf.Tensor; proj: (t: tf.Tensor) => tf.Tensor }

/** Multi-head attention over [B, N, C] tokens; `bias` is added to the logits ([heads|1, N, N] or broadcastable). */
function multiHead(tokens: tf.Tensor3D, maps: AttentionMaps, heads: number, bias?: (logits: tf.Tensor4D) => tf.Tensor4D): tf.Tensor3D {
  const [B, N, C] = tokens.shape;
  const dh = C / heads;
  // Split before going to [B, heads, N, dh]: wasm transposes rank 5 element by element (~20x rank 4).
  const [q, k, v] = tf.split(tf.reshape(maps.qkv(tokens), [B * N, 3 * C]), 3, 1)
    .map((t) => tf.transpose(tf.reshape(t, [B, N, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D);
  let logits = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true) as tf.Tensor4D;
  if (bias) logits = bias(logits);
  const out = tf.matMul(tf.softmax(logits), v);
  return maps.proj(tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, N, C])) as tf.Tensor3D;
}

/** Window side and shift used at a resolution: inputs no larger than a window are one window of their own size, unshifted. */
export function windowGeometry(h: number, w: number, windowSize: number, shifted: boolean): { ws: number; shift: number; hp: number; wp: number } {
  const small = Math.min(h, w) <= windowSize;
  const ws = small ? Math.min(h, w) : windowSize;
  return { ws, shift: shifted && !small ? Math.floor(ws / 2) : 0, hp: Math.ceil(h / ws) * ws, wp: Math.ceil(w / ws) * ws };
}

/** Window attention (WindowAttention's forward) with given maps and relative position bias table [(2W-1)^2, heads]. */
export function windowAttention(x: tf.Tensor, maps: AttentionMaps, table: tf.Tensor, o: { heads: number; windowSize: number; shift: boolean }): tf.Tensor {
  const { heads } = o;
  return tf.tidy(() => {
    const [b, h, w, C] = x.shape;
    const { ws, shift, hp, wp } = windowGeometry(h, w, o.windowSize, o.shift);
    const n = ws * ws;
    const nh = hp / ws;
    const nw = wp / ws;
    let t = tf.pad(x as tf.Tensor4D, [[0, 0], [0, hp - h], [0, wp - w], [0, 0]]);
    if (shift) t = roll(t, -shift);
    const windows = tf.reshape(tf.transpose(tf.reshape(t, [b, nh, ws, nw, ws, C]), [0, 1, 3, 2, 4, 5]), [b * nh * nw, n, C]) as tf.Tensor3D;
    const relBias = tf.transpose(tf.reshape(tf.gather(table, tf.tensor1d(relativePositionIndex(o.windowSize, ws), 'int32')), [n, n, heads]), [2, 0, 1]);
    const mask = shift ? tf.reshape(tf.tensor(shiftedWindowMask(hp, wp, ws, shift)), [nh * nw, 1, n, n]) : undefined;
    const out = multiHead(windows, maps, heads, (logits) => {
      const biased = tf.add(logits, relBias) as tf.Tensor4D;
      if (!mask) return biased;
      return tf.reshape(tf.add(tf.reshape(biased, [b, nh * nw, heads, n, n]), mask), [b * nh * nw, heads, n, n]);
    });
    let y = tf.reshape(tf.transpose(tf.reshape(out, [b, nh, nw, ws, ws, C]), [0, 1, 3, 2, 4, 5]), [b, hp, wp, C]) as tf.Tensor4D;
    if (shift) y = roll(y, shift);
    return hp === h && wp === w ? y : tf.slice(y, [0, 0, 0, 0], [b, h, w, C]);
  });
}

/** Global attention (GlobalAttention's forward) with given maps. */
export function globalAttention(x: tf.Tensor, maps: AttentionMaps, heads: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, h, w, C] = x.shape;
    return tf.reshape(multiHead(tf.reshape(x, [b, h * w, C]) as tf.Tensor3D, maps, heads), [b, h, w, C]);
  });
}

/** Cyclic shift along height and width (torch.roll on dims 1, 2). */
function roll(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const along = (t: tf.Tensor4D, axis: 1 | 2, size: number): tf.Tensor4D => {
    const s = ((shift % size) + size) % size;
    if (s === 0) return t;
    const [a, b] = tf.split(t, [size - s, s], axis);
    return tf.concat([b, a], axis) as tf.Tensor4D;
  };
  return along(along(x, 1, h), 2, w);
}

/**
 * Row of the relative position bias table for each (query, key) pair of a ws x ws window, [n * n]:
 * (dy + W - 1) * (2W - 1) + (dx + W - 1), offsets measured in the table's window size W. Pure, so
 * the ONNX exporter folds the same bias into a constant.
 */
export function relativePositionIndex(tableWindow: number, ws: number): Int32Array {
  const W = tableWindow;
  const n = ws * ws;
  const idx = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / ws) - Math.floor(j / ws);
      const dx = (i % ws) - (j % ws);
      idx[i * n + j] = (dy + W - 1) * (2 * W - 1) + (dx + W - 1);
    }
  }
  return idx;
}

/** Swin's mask for windows shifted by s on a padded hp x wp map: -100 between tokens of different regions, [nW, n, n]. */
export function shiftedWindowMask(hp: number, wp: number, ws: number, s: number): Float32Array {
  const region = (p: number, size: number): number => (p < size - ws ? 0 : p < size - s ? 1 : 2);
  const label = (y: number, x: number): number => region(y, hp) * 3 + region(x, wp);
  const n = ws * ws;
  const nh = hp / ws;
  const nw = wp / ws;
  const mask = new Float32Array(nh * nw * n * n);
  for (let wy = 0; wy < nh; wy++) {
    for (let wx = 0; wx < nw; wx++) {
      const base = (wy * nw + wx) * n * n;
      for (let i = 0; i < n; i++) {
        const li = label(wy * ws + Math.floor(i / ws), wx * ws + (i % ws));
        for (let j = 0; j < n; j++) {
          if (li !== label(wy * ws + Math.floor(j / ws), wx * ws + (j % ws))) mask[base + i * n + j] = -100;
        }
      }
    }
  }
  return mask;
}

/**
 * Swin window multi-head self-attention (the part inside the residual): windows of ws x ws tokens,
 * a learned relative position bias table of (2ws-1)^2 x heads, and on shifted uses a cyclic shift
 * by ws/2 with the mask that keeps attention inside each original region. Inputs whose side is not
 * a multiple of the window are zero-padded at the bottom/right; inputs no larger than a window use
 * one window of their own size and no shift, as Swin does.
 */
export class WindowAttention extends Layer {
  readonly kind = 'window_msa';
  readonly config: { channels: number; heads: number; windowSize: number; shift: boolean };
  private readonly qkv: Dense;
  private readonly proj: Dense;
  private readonly table: tf.Variable;

  constructor(C: number, rng: Rng, o: AttentionOptions = {}) {
    super();
    const heads = o.heads ?? defaultHeads(C);
    if (C % heads !== 0) throw new Error(`window attention: ${C} channels do not split into ${heads} heads`);
    const ws = o.windowSize ?? 4;
    this.config = { channels: C, heads, windowSize: ws, shift: o.shift ?? false };
    this.qkv = this.addChild('qkv', new Dense(C, 3 * C, rng, { init: truncNormal(rng, C * 3 * C, 0.02) }));
    this.proj = this.addChild('proj', new Dense(C, C, rng, { init: truncNormal(rng, C * C, 0.02) }));
    const rows = (2 * ws - 1) ** 2;
    this.table = this.addParam('relative_position_bias_table', [rows, heads], truncNormal(rng, rows * heads, 0.02));
  }

  /** Window side and shift actually used at a resolution. */
  geometry(h: number, w: number): { ws: number; shift: number; hp: number; wp: number } {
    return windowGeometry(h, w, this.config.windowSize, this.config.shift);
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    return windowAttention(x, { qkv: (t) => this.qkv.forward(t), proj: (t) => this.proj.forward(t) }, this.table, this.config);
  }

  outputShape(inShape: Shape): Shape {
    if (inShape[2] !== this.config.channels) throw new Error(`window attention expects ${this.config.channels} channels, got ${inShape[2]}`);
    return inShape;
  }

  flops([h, w]: Shape): number {
    const C = this.config.channels;
    const { ws, hp, wp } = this.geometry(h, w);
    return hp * wp * (4 * C * C + 2 * ws * ws * C);
  }
}

/** Global multi-head self-attention over all h*w tokens: qkv dense C->3C, softmax(qk^T/sqrt(d))v, dense C->C. */
export class GlobalAttention extends Layer {
  readonly kind = 'global_msa';
  readonly config: { channels: number; heads: number };
  private readonly qkv: Dense;
  private readonly proj: Dense;

  constructor(C: number, rng: Rng, o: AttentionOptions = {}) {
    super();
    const heads = o.heads ?? defaultHeads(C);
    if (C % heads !== 0) throw new Error(`global attention: ${C} channels do not split into ${heads} heads`);
    this.config = { channels: C, heads };
    this.qkv = this.addChild('qkv', new Dense(C, 3 * C, rng, { init: truncNormal(rng, C * 3 * C, 0.02) }));
    this.proj = this.addChild('proj', new Dense(C, C, rng, { init: truncNormal(rng, C * C, 0.02) }));
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    return globalAttention(x, { qkv: (t) => this.qkv.forward(t), proj: (t) => this.proj.forward(t) }, this.config.heads);
  }

  outputShape(inShape: Shape): Shape {
    if (inShape[2] !== this.config.channels) throw new Error(`global attention expects ${this.config.channels} channels, got ${inShape[2]}`);
    return inShape;
  }

  flops([h, w]: Shape): number {
    const C = this.config.channels;
    const T = h * w;
    return T * 4 * C * C + 2 * T * T * C;
  }
}

/**
 * A ViT encoder layer: x + MSA(LN(x)), then x + MLP(LN(x)), the MLP (4x wide, ReLU where ViT uses
 * GELU) as 1x1 convs so that it runs on feature maps and token maps ([b, 1, tokens, C]) alike.
 */
export function transformerLayer(C: number, rng: Rng, heads?: number): Sequential {
  const mlp = 4 * C;
  return new Sequential([
    ['attn', new Residual(new Sequential([['norm', new LayerNorm(C)], ['attn', new GlobalAttention(C, rng, { heads })]]))],
    ['mlp', new Residual(new Sequential([
      ['norm', new LayerNorm(C)], ['fc1', new Conv2d(C, mlp, 1, rng, { bias: true })], ['relu', new ReLU()], ['fc2', new Conv2d(mlp, C, 1, rng, { bias: true })],
    ]))],
  ], 'transformer_layer');
}

/**
 * A ViT/SETR encoder stage's layer in a block network: a strided use embeds patches (a
 * non-overlapping stride x stride conv, ViT's linear patch embedding), a width change projects
 * by 1x1 conv; then a transformer layer. No position embedding: the convolutions before it carry position.
 */
export function vitOp(cin: number, cout: number, stride: number, rng: Rng): Sequential {
  const layers: [string, Layer][] = [];
  if (stride !== 1) layers.push(['patch_embed', new Conv2d(cin, cout, stride, rng, { stride, padding: 0, bias: true })]);
  else if (cin !== cout) layers.push(['proj', new Conv2d(cin, cout, 1, rng, { bias: true })]);
  layers.push(['layer', transformerLayer(cout, rng)]);
  return new Sequential(layers, 'vit');
}

/** x -> [reduce] -> y + MSA(LN(y)). `core` is a WindowAttention or GlobalAttention on `cout` channels. */
export function attentionOp(cin: number, cout: number, stride: number, rng: Rng, core: Layer, affine = true): Sequential {
  const layers: [string, Layer][] = [];
  if (stride !== 1) layers.push(['pool', new Pool2d('avg', 3, stride, 1)]);
  if (cin !== cout) layers.push(['proj_conv', new Conv2d(cin, cout, 1, rng)], ['proj_bn', new BatchNorm(cout, { affine })]);
  const block = new Residual(new Sequential([['norm', new LayerNorm(cout)], ['attn', core]]));
  layers.push(['block', block]);
  return new Sequential(layers, 'attention');
}
