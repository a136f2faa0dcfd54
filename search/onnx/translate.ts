/**
 * Translates a search/nn module tree into ONNX nodes, module kind by module kind. Inside the
 * graph feature maps are NCHW (transposed once at the input); `Value.shape` keeps search/nn's
 * per-image NHWC shape ([h, w, c], or [c] for vectors) so that every module's own outputShape
 * checks the translation as it goes. Inference mode: BatchNorm uses its running statistics,
 * training-only parts (auxiliary heads, drop path) are left out.
 */
import type { Layer, Module, Shape } from '../nn/module.ts';
import { atLevelEnds } from '../nn/network.ts';
import { adaptivePoolMatrix } from '../nn/heads.ts';
import { shiftedWindowMask } from '../nn/attention.ts';
import type { GraphBuilder } from './graph.ts';
import { relativeBias } from './window.ts';

export interface Value { name: string; shape: Shape }

interface ConvConfig { cin: number; cout: number; kernel: number; stride: number; padding: number; dilation: number; groups: number; bias: boolean; activation?: string }
interface WiredEdge { input: number; node: number }
interface Nb201Edge { from: number; to: number }

/** A module kind this exporter does not know (e.g. a supernet's mixed op). */
export class UnsupportedModuleError extends Error {
  override name = 'UnsupportedModuleError';
}

function values(m: Module, name: string, path: string): { data: Float32Array; shape: number[] } {
  const v = new Map([...m.params(), ...m.stateBuffers()]).get(name);
  if (!v) throw new Error(`onnx export: ${path} (${m.kind}) has no variable '${name}'`);
  return { data: Float32Array.from(v.dataSync() as Float32Array), shape: [...v.shape] };
}

const has = (m: Module, name: string): boolean => m.params().some(([n]) => n === name);

function child<M extends Module = Layer>(m: Module, name: string, path: string): M {
  const c = m.children().find(([n]) => n === name);
  if (!c) throw new Error(`onnx export: ${path} (${m.kind}) has no child '${name}'`);
  return c[1] as M;
}

/** HWIO [k, k, cin, cout] (depthwise: [k, k, c, 1]) to ONNX's OIHW ([c, 1, k, k]). */
function oihw(data: Float32Array, [kh, kw, ci, co]: number[], depthwise: boolean): { data: Float32Array; dims: number[] } {
  const [O, I] = depthwise ? [ci, 1] : [co, ci];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) {
          const [oo, ii] = depthwise ? [i, 0] : [o, i];
          out[((oo * I + ii) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
        }
      }
    }
  }
  return { data: out, dims: [O, I, kh, kw] };
}

export class Translator {
  constructor(private readonly g: GraphBuilder) {}

  /** Any single-input module. */
  layer(m: Layer, x: Value, path: string): Value {
    const y = this.layerNodes(m, x, path);
    const expected = m.outputShape(x.shape);
    if (expected.join() !== y.shape.join()) throw new Error(`onnx export: ${path} (${m.kind}) translated to shape [${y.shape}], the module gives [${expected}]`);
    return y;
  }

  private layerNodes(m: Layer, x: Value, path: string): Value {
    const g = this.g;
    const out = (name: string): Value => ({ name, shape: m.outputShape(x.shape) });
    switch (m.kind) {
      case 'sequential':
        return m.children().reduce((h, [n, c]) => this.layer(c as Layer, h, `${path}.${n}`), x);
      case 'residual':
        return out(g.op('Add', [x.name, this.layer(child(m, 'inner', path), x, `${path}.inner`).name], path));
      case 'identity':
        return x;
      case 'relu':
        return out(g.op('Relu', [x.name], path));
      case 'conv2d':
        return out(this.conv(m, x.name, path));
      case 'batch_norm':
        return out(this.batchNorm(m, x.name, path));
      case 'layer_norm':
        return out(this.layerNorm(m, x.name, path));
      case 'max_pool':
      case 'avg_pool': {
        const { kernel, stride, padding } = m.config as { kernel: number; stride: number; padding: number };
        const attrs = { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [padding, padding, padding, padding] };
        return out(m.kind === 'max_pool' ? g.op('MaxPool', [x.name], path, attrs) : g.op('AveragePool', [x.name], path, { ...attrs, count_include_pad: 0 }));
      }
      case 'global_avg_pool':
        return out(g.op('Flatten', [g.op('GlobalAveragePool', [x.name], path)], path, { axis: 1 }));
      case 'dense':
        if (x.shape.length !== 1) throw new UnsupportedModuleError(`onnx export: ${path}: a dense layer on feature maps is not supported`);
        return out(this.dense(m, x.name, path, 'gemm'));
      case 'zero': {
        const s = (m.config as { stride: number }).stride;
        const [h, w] = x.shape;
        const strided = s === 1 ? x.name : g.op('Slice', [x.name, g.int64Const([0, 0]), g.int64Const([h, w]), g.int64Const([2, 3]), g.int64Const([s, s])], path);
        return out(g.op('Mul', [strided, g.floatConst(`${path}.zero`, [0], [])], path));
      }
      case 'factorized_reduce': {
        const [h, w] = x.shape;
        const r = g.op('Relu', [x.name], `${path}.relu`);
        const cut = g.op('Slice', [r, g.int64Const([1, 1]), g.int64Const([h, w]), g.int64Const([2, 3])], `${path}.shift`);
        const shifted = g.op('Pad', [cut, g.int64Const([0, 0, 0, 0, 0, 0, 1, 1])], `${path}.shift`);
        const a = this.conv(child(m, 'conv_1', path), r, `${path}.conv_1`);
        const b = this.conv(child(m, 'conv_2', path), shifted, `${path}.conv_2`);
        const cat = g.op('Concat', [a, b], path, { axis: 1 });
        return out(this.batchNorm(child(m, 'bn', path), cat, `${path}.bn`));
      }
      case 'resnet_basic_block': {
        const a = this.layer(child(m, 'conv_a', path), x, `${path}.conv_a`);
        const b = this.layer(child(m, 'conv_b', path), a, `${path}.conv_b`);
        const hasDown = m.children().some(([n]) => n === 'downsample');
        const short = hasDown ? this.layer(child(m, 'downsample', path), x, `${path}.downsample`).name : x.name;
        return out(g.op('Add', [short, b.name], path));
      }
      case 'window_msa':
        return out(this.windowAttention(m, x, path));
      case 'global_msa': {
        const [h, w, C] = x.shape;
        const { heads } = m.config as { heads: number };
        const tokens = g.op('Reshape', [g.op('Transpose', [x.name], path, { perm: [0, 2, 3, 1] }), g.int64Const([-1, h * w, C])], path);
        const y = this.multiHead(m, tokens, h * w, C, heads, path);
        return out(g.op('Transpose', [g.op('Reshape', [y, g.int64Const([-1, h, w, C])], path)], path, { perm: [0, 3, 1, 2] }));
      }
      case 'harmonic_dense_block': {
        const { links, outputs } = m.config as { links: number[][]; outputs: number[] };
        const hasDown = m.children().some(([n]) => n === 'down');
        const states = [hasDown ? this.layer(child(m, 'down', path), x, `${path}.down`) : x];
        child<Module>(m, 'layers', path).children().forEach(([n, l], i) =>
          states.push(this.layer(l as Layer, this.concat(links[i + 1].map((j) => states[j]), `${path}.layers.${n}.in`), `${path}.layers.${n}`)));
        return this.layer(child(m, 'transition', path), this.concat(outputs.map((i) => states[i]), `${path}.out`), `${path}.transition`);
      }
      case 'nb201_cell':
        return out(this.nb201Cell(m, x, path));
      default:
        throw new UnsupportedModuleError(`onnx export: ${path}: module kind '${m.kind}' is not supported` +
          (m.kind === 'mixed_op' ? ' (a supernet mixes all operations: derive a genotype and export its network)' : ''));
    }
  }

  conv(m: Layer, x: string, path: string): string {
    const c = m.config as unknown as ConvConfig;
    const k = values(m, 'kernel', path);
    const w = oihw(k.data, k.shape, c.groups !== 1);
    const inputs = [x, this.g.floatConst(`${path}.kernel`, w.data, w.dims)];
    if (c.bias) inputs.push(this.g.floatConst(`${path}.bias`, values(m, 'bias', path).data, [c.cout]));
    const y = this.g.op('Conv', inputs, path, {
      kernel_shape: [c.kernel, c.kernel], strides: [c.stride, c.stride], dilations: [c.dilation, c.dilation],
      pads: [c.padding, c.padding, c.padding, c.padding], group: c.groups,
    });
    if (c.activation === undefined || c.activation === 'linear' || c.activation === 'none') return y;
    if (c.activation === 'relu') return this.g.op('Relu', [y], path);
    throw new UnsupportedModuleError(`onnx export: ${path}: conv activation '${c.activation}' is not supported`);
  }

  private batchNorm(m: Layer, x: string, path: string): string {
    const { channels, affine, eps } = m.config as { channels: number; affine: boolean; eps: number };
    const g = this.g;
    const scale = affine ? values(m, 'gamma', path).data : new Float32Array(channels).fill(1);
    const bias = affine ? values(m, 'beta', path).data : new Float32Array(channels);
    return g.op('BatchNormalization', [
      x, g.floatConst(`${path}.gamma`, scale, [channels]), g.floatConst(`${path}.beta`, bias, [channels]),
      g.floatConst(`${path}.running_mean`, values(m, 'running_mean', path).data, [channels]),
      g.floatConst(`${path}.running_var`, values(m, 'running_var', path).data, [channels]),
    ], path, { epsilon: { float: eps } });
  }

  /** Normalises over the channels, axis 1 of NCHW (ONNX 17's LayerNormalization would take C, H and W together). */
  private layerNorm(m: Layer, x: string, path: string): string {
    const { channels, eps } = m.config as { channels: number; eps: number };
    const g = this.g;
    const mean = g.op('ReduceMean', [x], `${path}.mean`, { axes: [1], keepdims: 1 });
    const d = g.op('Sub', [x, mean], `${path}.centred`);
    const variance = g.op('ReduceMean', [g.op('Mul', [d, d], `${path}.sq`)], `${path}.var`, { axes: [1], keepdims: 1 });
    const std = g.op('Sqrt', [g.op('Add', [variance, g.floatConst(`${path}.eps`, [eps], [])], `${path}.var_eps`)], `${path}.std`);
    const normed = g.op('Div', [d, std], `${path}.normed`);
    const scaled = g.op('Mul', [normed, g.floatConst(`${path}.gamma`, values(m, 'gamma', path).data, [1, channels, 1, 1])], `${path}.scaled`);
    return g.op('Add', [scaled, g.floatConst(`${path}.beta`, values(m, 'beta', path).data, [1, channels, 1, 1])], path);
  }

  /** Dense on the last axis: Gemm for [N, cin] vectors, MatMul (+ Add) for token tensors of any rank. */
  private dense(m: Layer, x: string, path: string, form: 'gemm' | 'matmul'): string {
    const { cin, cout, bias } = m.config as { cin: number; cout: number; bias: boolean };
    const g = this.g;
    const kernel = g.floatConst(`${path}.kernel`, values(m, 'kernel', path).data, [cin, cout]);
    const b = bias ? g.floatConst(`${path}.bias`, values(m, 'bias', path).data, [cout]) : undefined;
    if (form === 'gemm') return g.op('Gemm', b ? [x, kernel, b] : [x, kernel], path);
    const y = g.op('MatMul', [x, kernel], path);
    return b ? g.op('Add', [y, b], path) : y;
  }

  /**
   * Multi-head self-attention over tokens [B, n, C], as search/nn's multiHead: q scaled before
   * q k^T, an optional additive bias on the logits, softmax over keys, projection.
   */
  private multiHead(m: Layer, tokens: string, n: number, C: number, heads: number, path: string,
    bias?: (logits: string) => string): string {
    const g = this.g;
    const dh = C / heads;
    const qkv = this.dense(child(m, 'qkv', path), tokens, `${path}.qkv`, 'matmul');
    const packed = g.op('Transpose', [g.op('Reshape', [qkv, g.int64Const([-1, n, 3, heads, dh])], `${path}.qkv`)], `${path}.qkv`, { perm: [2, 0, 3, 1, 4] });
    const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [packed, g.int64Const([i], [])], `${path}.${'qkv'[i]}`, { axis: 0 }));
    const qs = g.op('Mul', [q, g.floatConst(`${path}.scale`, [1 / Math.sqrt(dh)], [])], `${path}.q_scaled`);
    let logits = g.op('MatMul', [qs, g.op('Transpose', [k], `${path}.k_t`, { perm: [0, 1, 3, 2] })], `${path}.logits`);
    if (bias) logits = bias(logits);
    const attn = g.op('Softmax', [logits], `${path}.softmax`, { axis: -1 });
    const o = g.op('Transpose', [g.op('MatMul', [attn, v], `${path}.attend`)], `${path}.attend`, { perm: [0, 2, 1, 3] });
    return this.dense(child(m, 'proj', path), g.op('Reshape', [o, g.int64Const([-1, n, C])], `${path}.merge`), `${path}.proj`, 'matmul');
  }

  /** Cyclic shift of an NHWC tensor along H and W (torch.roll on dims 1, 2), as Slice + Concat. */
  private roll(x: string, shift: number, hp: number, wp: number, path: string): string {
    let t = x;
    for (const [axis, size] of [[1, hp], [2, wp]] as const) {
      const s = ((shift % size) + size) % size;
      if (s === 0) continue;
      const a = this.g.op('Slice', [t, this.g.int64Const([0]), this.g.int64Const([size - s]), this.g.int64Const([axis])], `${path}.roll`);
      const b = this.g.op('Slice', [t, this.g.int64Const([size - s]), this.g.int64Const([size]), this.g.int64Const([axis])], `${path}.roll`);
      t = this.g.op('Concat', [b, a], `${path}.roll`, { axis });
    }
    return t;
  }

  private windowAttention(m: Layer, x: Value, path: string): string {
    const g = this.g;
    const { heads, channels: C, windowSize } = m.config as { heads: number; channels: number; windowSize: number };
    const [h, w] = x.shape;
    const { ws, shift, hp, wp } = (m as unknown as { geometry(h: number, w: number): { ws: number; shift: number; hp: number; wp: number } }).geometry(h, w);
    const n = ws * ws;
    const nh = hp / ws;
    const nw = wp / ws;
    let t = g.op('Transpose', [x.name], `${path}.nhwc`, { perm: [0, 2, 3, 1] });
    if (hp !== h || wp !== w) t = g.op('Pad', [t, g.int64Const([0, 0, 0, 0, 0, hp - h, wp - w, 0])], `${path}.pad`);
    if (shift) t = this.roll(t, -shift, hp, wp, path);
    const windows = g.op('Reshape', [
      g.op('Transpose', [g.op('Reshape', [t, g.int64Const([-1, nh, ws, nw, ws, C])], `${path}.windows`)], `${path}.windows`, { perm: [0, 1, 3, 2, 4, 5] }),
      g.int64Const([-1, n, C]),
    ], `${path}.windows`);
    const table = values(m, 'relative_position_bias_table', path).data;
    const relBias = g.floatConst(`${path}.relative_position_bias`, relativeBias(table, heads, windowSize, ws), [heads, n, n]);
    const mask = shift ? g.floatConst(`${path}.shift_mask`, shiftedWindowMask(hp, wp, ws, shift), [nh * nw, 1, n, n]) : undefined;
    const attended = this.multiHead(m, windows, n, C, heads, path, (logits) => {
      const biased = g.op('Add', [logits, relBias], `${path}.biased`);
      if (!mask) return biased;
      const perImage = g.op('Reshape', [biased, g.int64Const([-1, nh * nw, heads, n, n])], `${path}.masked`);
      return g.op('Reshape', [g.op('Add', [perImage, mask], `${path}.masked`), g.int64Const([-1, heads, n, n])], `${path}.masked`);
    });
    let y = g.op('Reshape', [
      g.op('Transpose', [g.op('Reshape', [attended, g.int64Const([-1, nh, nw, ws, ws, C])], `${path}.unwindow`)], `${path}.unwindow`, { perm: [0, 1, 3, 2, 4, 5] }),
      g.int64Const([-1, hp, wp, C]),
    ], `${path}.unwindow`);
    if (shift) y = this.roll(y, shift, hp, wp, path);
    if (hp !== h || wp !== w) y = g.op('Slice', [y, g.int64Const([0, 0]), g.int64Const([h, w]), g.int64Const([1, 2])], `${path}.crop`);
    return g.op('Transpose', [y], path, { perm: [0, 3, 1, 2] });
  }

  /** Node j sums the edges into it; node 0 is the input, the last node the output. */
  private nb201Cell(m: Layer, x: Value, path: string): string {
    const { edges, nodes } = m.config as { edges: Nb201Edge[]; nodes: number };
    const ops = child<Module>(m, 'edges', path).children();
    const states: Value[] = [x];
    const sums: string[][] = Array.from({ length: nodes }, () => []);
    edges.forEach((e, i) => {
      while (states.length < e.to) states.push(this.sum(sums[states.length], x.shape, `${path}.node${states.length}`));
      sums[e.to].push(this.layer(ops[i][1] as Layer, states[e.from], `${path}.edges.${i}`).name);
    });
    return this.sum(sums[nodes - 1], x.shape, `${path}.node${nodes - 1}`).name;
  }

  private sum(terms: string[], shape: Shape, path: string): Value {
    if (terms.length === 0) throw new Error(`onnx export: ${path} has no incoming edges`);
    return { name: terms.length === 1 ? terms[0] : this.g.op('Sum', terms, path), shape };
  }

  /** A DARTS cell on the outputs of the two previous cells. */
  dartsCell(m: Module, s0: Value, s1: Value, path: string): Value {
    const { edges, concat, nodes } = m.config as { edges: WiredEdge[]; concat: number[]; nodes: number };
    const ops = child<Module>(m, 'edges', path).children();
    const states = [this.layer(child(m, 'preprocess0', path), s0, `${path}.preprocess0`), this.layer(child(m, 'preprocess1', path), s1, `${path}.preprocess1`)];
    const sums: Value[][] = Array.from({ length: nodes }, () => []);
    const nodeValue = (k: number): Value => {
      const terms = sums[k];
      const shapes = new Set(terms.map((t) => t.shape.join()));
      if (shapes.size !== 1) throw new Error(`onnx export: ${path} node ${k} sums shapes ${[...shapes].map((s) => `[${s}]`).join(', ')}`);
      return this.sum(terms.map((t) => t.name), terms[0].shape, `${path}.node${k}`);
    };
    edges.forEach((e, i) => {
      while (states.length < e.node + 2) states.push(nodeValue(states.length - 2));
      sums[e.node].push(this.layer(ops[i][1] as Layer, states[e.input], `${path}.edges.${i}`));
    });
    while (states.length < nodes + 2) states.push(nodeValue(states.length - 2));
    const parts = concat.map((c) => states[c]);
    const [h, w] = parts[0].shape;
    return {
      name: this.g.op('Concat', parts.map((p) => p.name), path, { axis: 1 }),
      shape: [h, w, parts.reduce((s, p) => s + p.shape[2], 0)],
    };
  }

  /** The backbone's multi-level features, finest first. */
  backbone(m: Module, x: Value, path: string): Value[] {
    switch (m.kind) {
      case 'darts_backbone': {
        const stem = this.layer(child(m, 'stem', path), x, `${path}.stem`);
        let [s0, s1] = [stem, stem];
        const outs = child<Module>(m, 'cells', path).children().map(([n, cell]) => {
          [s0, s1] = [s1, this.dartsCell(cell, s0, s1, `${path}.cells.${n}`)];
          return s1;
        });
        return atLevelEnds(outs.map((o) => o.shape), outs);
      }
      case 'nb201_backbone': {
        let h = this.layer(child(m, 'stem', path), x, `${path}.stem`);
        const outs = child<Module>(m, 'cells', path).children().map(([n, u]) => (h = this.layer(u as Layer, h, `${path}.cells.${n}`)));
        outs.push(this.layer(child(m, 'lastact', path), h, `${path}.lastact`));
        return atLevelEnds(outs.map((o) => o.shape), outs);
      }
      case 'block_backbone': {
        let h = this.layer(child(m, 'stem', path), x, `${path}.stem`);
        const outs = [h];
        for (const [s, stage] of child<Module>(m, 'stages', path).children()) {
          for (const [i, l] of stage.children()) outs.push(h = this.layer(l as Layer, h, `${path}.stages.${s}.${i}`));
        }
        return atLevelEnds(outs.map((o) => o.shape), outs);
      }
      case 'seg_cell_backbone': {
        const stem = this.layer(child(m, 'stem', path), x, `${path}.stem`);
        let [s0, s1] = [stem, stem];
        const outs = [stem, ...child<Module>(m, 'cells', path).children().map(([n, cell]) => {
          [s0, s1] = [s1, this.dartsCell(cell, s0, s1, `${path}.cells.${n}`)];
          return s1;
        })];
        return atLevelEnds(outs.map((o) => o.shape), outs);
      }
      case 'min_stride_backbone': {
        const { minStride } = m.config as { minStride: number };
        return this.backbone(child<Module>(m, 'inner', path), x, `${path}.inner`).filter((f) => x.shape[0] / f.shape[0] >= minStride);
      }
      case 'two_path_backbone':
        return this.twoPath(m, x, path);
      default:
        throw new UnsupportedModuleError(`onnx export: ${path}: backbone kind '${m.kind}' is not supported`);
    }
  }

  /**
   * BiSeNet-style fusion: context levels finer than the spatial path pass through; the others are
   * resized to the spatial path's map, concatenated with it, fused (1x1 conv BN ReLU) and
   * reweighted by channel attention (f + f * sigmoid(fc2(relu(fc1(mean f))))).
   */
  private twoPath(m: Module, x: Value, path: string): Value[] {
    const g = this.g;
    const context = this.backbone(child<Module>(m, 'context', path), x, `${path}.context`);
    const sp = this.layer(child(m, 'spatial', path), x, `${path}.spatial`);
    const [h, w] = sp.shape;
    const fine = context.filter((f) => f.shape[0] > h);
    const arm = (m.config as { contextPath?: string }).contextPath === 'arm';
    const coarser = context.filter((f) => f.shape[0] < h);
    const coarse = arm
      ? [this.armContextPath(child<Module>(m, 'refine', path), coarser.length ? coarser : context.slice(-1), sp.shape, `${path}.refine`)]
      : context.filter((f) => f.shape[0] <= h).map((f, i) => this.resize(f, h, w, `${path}.context_up.${i}`));
    const f = this.layer(child(m, 'fuse', path), this.concat([sp, ...coarse], `${path}.concat`), `${path}.fuse`);
    const att = child<Module>(m, 'attention', path);
    const pooled = g.op('ReduceMean', [f.name], `${path}.attention.pool`, { axes: [2, 3], keepdims: 1 });
    const hidden = g.op('Relu', [this.conv(child(att, 'fc1', `${path}.attention`), pooled, `${path}.attention.fc1`)], `${path}.attention.relu`);
    const a = g.op('Sigmoid', [this.conv(child(att, 'fc2', `${path}.attention`), hidden, `${path}.attention.fc2`)], `${path}.attention.sigmoid`);
    const fused = g.op('Add', [f.name, g.op('Mul', [f.name, a], `${path}.attention.scale`)], `${path}.attention`);
    return [...fine, { name: fused, shape: f.shape }];
  }

  /** f * sigmoid(BN(conv 1x1(mean f))) with f = conv 3x3 BN ReLU (x): BiSeNet's ARM (search/nn AttentionRefinement). */
  private attentionRefinement(m: Module, x: Value, path: string): Value {
    const g = this.g;
    const f = this.layer(child(m, 'conv', path), x, `${path}.conv`);
    const pooled = g.op('ReduceMean', [f.name], `${path}.pool`, { axes: [2, 3], keepdims: 1 });
    const a = g.op('Sigmoid', [this.batchNorm(child(m, 'bn', path), this.conv(child(m, 'attn', path), pooled, `${path}.attn`), `${path}.bn`)], `${path}.sigmoid`);
    return { name: g.op('Mul', [f.name, a], path), shape: f.shape };
  }

  /** BiSeNet's context path over `levels` to the spatial map's size (search/nn ArmContextPath). */
  private armContextPath(m: Module, levels: Value[], at: Shape, path: string): Value {
    const g = this.g;
    const arms = child<Module>(m, 'arms', path).children();
    const convs = child<Module>(m, 'convs', path).children();
    const top = levels.length - 1;
    const { C } = m.config as { C: number };
    const pooled: Value = { name: g.op('ReduceMean', [levels[top].name], `${path}.global.pool`, { axes: [2, 3], keepdims: 1 }), shape: [1, 1, levels[top].shape[2]] };
    const global = this.layer(child(m, 'global', path), pooled, `${path}.global`);
    const refined = (i: number): Value => this.attentionRefinement(arms[i][1], levels[i], `${path}.arms.${i}`);
    let y: Value = { name: g.op('Add', [refined(top).name, global.name], `${path}.top`), shape: [levels[top].shape[0], levels[top].shape[1], C] };
    for (let i = top; i >= 0; i--) {
      const [th, tw] = i > 0 ? levels[i - 1].shape : at;
      y = this.layer(convs[i][1] as Layer, this.resize(y, th, tw, `${path}.up.${i}`), `${path}.convs.${i}`);
      if (i > 0) y = { name: g.op('Add', [refined(i - 1).name, y.name], `${path}.sum.${i - 1}`), shape: y.shape };
    }
    return y;
  }

  /**
   * Segmenter's mask transformer (search/nn MaskTransformerHead): tokens as a [B, dim, 1, tokens]
   * map through the network's own layers; the masks [B, classes, h, w] before upsampling.
   */
  private maskTransformer(m: Module, x: Value, path: string): Value {
    const g = this.g;
    const { classes: K, dim } = m.config as { classes: number; dim: number };
    const [h, w] = x.shape;
    const n = h * w;
    const proj = this.layer(child(m, 'proj_dec', path), x, `${path}.proj_dec`);
    const patches = g.op('Reshape', [proj.name, g.int64Const([-1, dim, 1, n])], `${path}.patches`);
    const emb = values(m, 'cls_emb', path).data;
    const embT = new Float32Array(K * dim);
    for (let k = 0; k < K; k++) for (let d = 0; d < dim; d++) embT[d * K + k] = emb[k * dim + d];
    const batch = g.op('Slice', [g.op('Shape', [patches], `${path}.shape`), g.int64Const([0]), g.int64Const([1])], `${path}.batch`);
    const sizes = g.op('Concat', [batch, g.int64Const([dim, 1, K])], `${path}.cls_sizes`, { axis: 0 });
    const cls = g.op('Expand', [g.floatConst(`${path}.cls_emb`, embT, [1, dim, 1, K]), sizes], `${path}.cls`);
    let t: Value = { name: g.op('Concat', [patches, cls], `${path}.tokens`, { axis: 3 }), shape: [1, n + K, dim] };
    for (const [i, block] of child<Module>(m, 'blocks', path).children()) t = this.layer(block as Layer, t, `${path}.blocks.${i}`);
    t = this.layer(child(m, 'decoder_norm', path), t, `${path}.decoder_norm`);
    const part = (from: number, to: number, name: string): Value =>
      ({ name: g.op('Slice', [t.name, g.int64Const([from]), g.int64Const([to]), g.int64Const([3])], `${path}.${name}`), shape: [1, to - from, dim] });
    const unit = (v: Value, name: string, count: number): string => {
      const y = this.layer(child(m, name, path), v, `${path}.${name}`).name;
      const normed = g.op('Div', [y, g.op('ReduceL2', [y], `${path}.${name}.norm`, { axes: [1], keepdims: 1 })], `${path}.${name}.unit`);
      return g.op('Reshape', [normed, g.int64Const([-1, dim, count])], `${path}.${name}.flat`);
    };
    const pu = g.op('Transpose', [unit(part(0, n, 'patch_tokens'), 'proj_patch', n)], `${path}.patches_t`, { perm: [0, 2, 1] });
    const masks = g.op('MatMul', [pu, unit(part(n, n + K, 'class_tokens'), 'proj_classes', K)], `${path}.masks`);
    const byClass = g.op('Reshape', [g.op('Transpose', [masks], `${path}.masks_t`, { perm: [0, 2, 1] }), g.int64Const([-1, K, 1, n])], `${path}.masks_map`);
    const normed = this.layer(child(m, 'mask_norm', path), { name: byClass, shape: [1, n, K] }, `${path}.mask_norm`);
    return { name: g.op('Reshape', [normed.name, g.int64Const([-1, K, h, w])], `${path}.masks_hw`), shape: [h, w, K] };
  }

  /** Bilinear resize with half-pixel centres (tfjs resizeBilinear(halfPixelCenters=true)); a no-op at the same size. */
  private resize(x: Value, h: number, w: number, path: string): Value {
    if (x.shape[0] === h && x.shape[1] === w) return x;
    const g = this.g;
    const nc = g.op('Slice', [g.op('Shape', [x.name], `${path}.shape`), g.int64Const([0]), g.int64Const([2])], `${path}.nc`);
    const sizes = g.op('Concat', [nc, g.int64Const([h, w])], `${path}.sizes`, { axis: 0 });
    const y = g.op('Resize', [x.name, '', '', sizes], path, { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    return { name: y, shape: [h, w, x.shape[2]] };
  }

  /** PyTorch adaptive average pooling to bins x bins, as one MatMul over the flattened map. */
  private adaptivePool(x: Value, bins: number, path: string): Value {
    const g = this.g;
    const [h, w, c] = x.shape;
    const p = adaptivePoolMatrix(h, w, bins);
    const pt = new Float32Array(p.length);
    for (let r = 0; r < bins * bins; r++) for (let k = 0; k < h * w; k++) pt[k * bins * bins + r] = p[r * h * w + k];
    const flat = g.op('Reshape', [x.name, g.int64Const([-1, c, h * w])], `${path}.flat`);
    const pooled = g.op('MatMul', [flat, g.floatConst(`${path}.pool_matrix`, pt, [h * w, bins * bins])], path);
    return { name: g.op('Reshape', [pooled, g.int64Const([-1, c, bins, bins])], path), shape: [bins, bins, c] };
  }

  /** Values of one size concatenated along channels (one value passes through). */
  private concat(parts: Value[], path: string): Value {
    if (parts.length === 1) return parts[0];
    const [h, w] = parts[0].shape;
    return { name: this.g.op('Concat', parts.map((p) => p.name), path, { axis: 1 }), shape: [h, w, parts.reduce((s, p) => s + p.shape[2], 0)] };
  }

  /** x with PSPNet's pyramid (the head's `branches` per bin of its config), as the heads' withPyramid. */
  private withPyramid(m: Module, x: Value, path: string): Value {
    const { bins } = m.config as { bins: number[] };
    const branches = child<Module>(m, 'branches', path).children();
    const [h, w] = x.shape;
    const pyramid = bins.map((b, i) => this.resize(
      this.layer(branches[i][1] as Layer, this.adaptivePool(x, b, `${path}.pool${b}`), `${path}.branches.${i}`), h, w, `${path}.branches.${i}.upsample`));
    return this.concat([x, ...pyramid], `${path}.concat`);
  }

  head(m: Module, features: Value[], inShape: Shape, path: string): Value {
    const g = this.g;
    const deepest = features[features.length - 1];
    const [H, W] = inShape;
    switch (m.kind) {
      case 'classifier_head': {
        const pooled: Value = { name: g.op('Flatten', [g.op('GlobalAveragePool', [deepest.name], `${path}.pool`)], `${path}.pool`, { axis: 1 }), shape: [deepest.shape[2]] };
        return this.layer(child(m, 'classifier', path), pooled, `${path}.classifier`);
      }
      case 'pup_head': {
        let y = deepest;
        for (const [n, conv] of child<Module>(m, 'convs', path).children()) {
          const z = this.layer(conv as Layer, y, `${path}.convs.${n}`);
          y = this.resize(z, 2 * z.shape[0], 2 * z.shape[1], `${path}.convs.${n}.upsample`);
        }
        return this.resize(this.layer(child(m, 'classifier', path), y, `${path}.classifier`), H, W, `${path}.upsample`);
      }
      case 'mask_transformer_head':
        return this.resize(this.maskTransformer(m, deepest, path), H, W, `${path}.upsample`);
      case 'upsample_head':
        return this.resize(this.layer(child(m, 'classifier', path), deepest, `${path}.classifier`), H, W, `${path}.upsample`);
      case 'ppm_head': {
        const fused = this.layer(child(m, 'fuse', path), this.withPyramid(m, deepest, path), `${path}.fuse`);
        return this.resize(this.layer(child(m, 'classifier', path), fused, `${path}.classifier`), H, W, `${path}.upsample`);
      }
      case 'upernet_head': {
        const top = features.length - 1;
        const laterals = child<Module>(m, 'laterals', path).children();
        const fpnConvs = child<Module>(m, 'fpn_convs', path).children();
        const lat = features.slice(0, top).map((f, i) => this.layer(laterals[i][1] as Layer, f, `${path}.laterals.${i}`));
        lat.push(this.layer(child(m, 'bottleneck', path), this.withPyramid(m, deepest, path), `${path}.bottleneck`));
        for (let i = top; i > 0; i--) {
          const up = this.resize(lat[i], lat[i - 1].shape[0], lat[i - 1].shape[1], `${path}.topdown.${i - 1}`);
          lat[i - 1] = { name: g.op('Add', [lat[i - 1].name, up.name], `${path}.topdown.${i - 1}`), shape: lat[i - 1].shape };
        }
        const [h, w] = features[0].shape;
        const outs = lat.map((t, i) => this.resize(i < top ? this.layer(fpnConvs[i][1] as Layer, t, `${path}.fpn_convs.${i}`) : t, h, w, `${path}.outs.${i}.upsample`));
        const fused = this.layer(child(m, 'fuse', path), this.concat(outs, `${path}.concat`), `${path}.fuse`);
        return this.resize(this.layer(child(m, 'classifier', path), fused, `${path}.classifier`), H, W, `${path}.upsample`);
      }
      case 'fpn_head': {
        const laterals = child<Module>(m, 'laterals', path).children();
        const smooth = child<Module>(m, 'smooth', path).children();
        const lat = features.map((f, i) => this.layer(laterals[i][1] as Layer, f, `${path}.laterals.${i}`));
        const td: Value[] = new Array(lat.length);
        for (let i = lat.length - 1; i >= 0; i--) {
          if (i === lat.length - 1) { td[i] = lat[i]; continue; }
          const up = this.resize(td[i + 1], lat[i].shape[0], lat[i].shape[1], `${path}.topdown.${i}`);
          td[i] = { name: g.op('Add', [lat[i].name, up.name], `${path}.topdown.${i}`), shape: lat[i].shape };
        }
        const [h, w] = features[0].shape;
        const levels = td.map((t, i) => this.resize(this.layer(smooth[i][1] as Layer, t, `${path}.smooth.${i}`), h, w, `${path}.smooth.${i}.upsample`));
        const fused: Value = { name: levels.length === 1 ? levels[0].name : g.op('Sum', levels.map((l) => l.name), `${path}.fuse`), shape: levels[0].shape };
        return this.resize(this.layer(child(m, 'classifier', path), fused, `${path}.classifier`), H, W, `${path}.upsample`);
      }
      default:
        throw new UnsupportedModuleError(`onnx export: ${path}: head kind '${m.kind}' is not supported`);
    }
  }
}
