/**
 * The training kernels the TensorFlow.js wasm backend lacks (convolution and depthwise filter
 * and input gradients, UnsortedSegmentSum), plus a faster Conv2DBackpropInput than its scalar
 * built-in one, a MaxPoolGrad that routes gradients as the cpu backend does, a Concat that copies
 * its rows in wasm rather than in JavaScript, and an Identity that shares its input's data instead
 * of copying it. The arithmetic lives in kernels.c (built to kernels.wasm, committed); that
 * module imports the backend's own WebAssembly.Memory, so kernels read and write tensors in
 * place at their heap offsets.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend's internals these kernels use (tfjs-backend-wasm 4.22). */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    HEAPF32: Float32Array;
    HEAP32: Int32Array;
  };
}

type Geometry = [n: number, ih: number, iw: number, ci: number, oh: number, ow: number,
  coOrMultiplier: number, kh: number, kw: number, sh: number, sw: number, dh: number,
  dw: number, pt: number, pl: number];
type GradFn = (a: number, b: number, out: number, ...g: Geometry) => void;

interface KernelsModule {
  conv2d_filter_grad: GradFn;
  conv2d_input_grad: GradFn;
  depthwise_filter_grad: GradFn;
  depthwise_input_grad: GradFn;
  zero_floats(ptr: number, count: number): void;
  transpose_taps(w: number, wt: number, taps: number, ci: number, co: number): void;
  channel_sum(x: number, out: number, rows: number, c: number): void;
  batch_matmul(a: number, b: number, c: number, batch: number, m: number, k: number, n: number,
    aBatch: number, sam: number, sak: number, bBatch: number, ldb: number): void;
  batch_transpose(src: number, dst: number, batch: number, rows: number, cols: number): void;
  copy_rows(src: number, dst: number, rows: number, cols: number, stride: number): void;
  depthwise_conv2d(x: number, w: number, out: number, ...g: Geometry): void;
  max_pool_grad: GradFn;
}

/** Kernel name of the per-channel sum (wasm only; see fused.ts). */
export const CHANNEL_SUM = 'CellscapeChannelSum';

const wasmUrl = new URL('./kernels.wasm', import.meta.url);

function instantiate(memory: WebAssembly.Memory): KernelsModule {
  const module = new WebAssembly.Module(readFileSync(wasmUrl));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelsModule;
}

const offset = (b: WasmBackendInternals, t: tf.TensorInfo): number => b.dataIdMap.get(t.dataId).memoryOffset;

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm: only NHWC is supported, got dataFormat '${dataFormat}'`);
  }
}

function geometry(info: tf.backend_util.Conv2DInfo, channelsOrMultiplier: number): Geometry {
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight,
    info.outWidth, channelsOrMultiplier, info.filterHeight, info.filterWidth, info.strideHeight,
    info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
}

type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
};

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number],
    filterShape as [number, number, number, number], a.strides, a.dilations ?? 1, a.pad,
    a.dimRoundingMode, depthwise, 'channelsLast');
}

/*
 * Emscripten's malloc answers 0 when the heap cannot grow, and neither it nor the backend's
 * makeOutput checks: a kernel would then write from address 0 and trap later with "memory access
 * out of bounds". Every allocation here is checked instead.
 */
function heapExhausted(bytes: number): Error {
  return new Error(`wasm heap exhausted (${bytes} bytes requested): use a smaller batch`);
}

/** `bytes` of scratch on the wasm heap, to be given back with `_free`; when there is none, `made` (the kernel's output) is disposed. */
function scratch(b: WasmBackendInternals, bytes: number, made: tf.TensorInfo): number {
  const ptr = b.wasm._malloc(bytes);
  if (ptr === 0 && bytes > 0) {
    b.disposeData(made.dataId);
    throw heapExhausted(bytes);
  }
  return ptr;
}

/** A float32 output on the wasm heap (contents undefined). */
function output(b: WasmBackendInternals, shape: number[]): tf.TensorInfo {
  const out = b.makeOutput(shape, 'float32');
  if (offset(b, out) === 0 && tf.util.sizeFromShape(shape) > 0) {
    b.disposeData(out.dataId);
    throw heapExhausted(tf.util.sizeFromShape(shape) * 4);
  }
  return out;
}

/** A zeroed float32 output on the wasm heap. */
function zeroedOutput(b: WasmBackendInternals, k: KernelsModule, shape: number[]): tf.TensorInfo {
  const out = output(b, shape);
  k.zero_floats(offset(b, out), tf.util.sizeFromShape(shape));
  return out;
}

function kernelConfigs(k: KernelsModule): tf.KernelConfig[] {
  /** The gradient of a convolution with respect to its filter or its input: NHWC only, written into a zeroed output. */
  const convGrad = (name: string, depthwise: boolean, wrt: 'filter' | 'input'): tf.KernelConfig => ({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendInternals;
      const { x, dy, filter } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as ConvAttrs & { filterShape: number[]; inputShape: number[] };
      assertNHWC(name, a.dataFormat);
      const xShape = wrt === 'input' ? a.inputShape : x.shape;
      const wShape = wrt === 'filter' ? a.filterShape : filter.shape;
      const info = convInfo(xShape, wShape, a, depthwise);
      const out = zeroedOutput(b, k, wrt === 'filter' ? wShape : xShape);
      const g = geometry(info, depthwise ? wShape[3] : info.outChannels);
      if (wrt === 'filter') {
        (depthwise ? k.depthwise_filter_grad : k.conv2d_filter_grad)(offset(b, x), offset(b, dy), offset(b, out), ...g);
        return out;
      }
      if (depthwise) {
        k.depthwise_input_grad(offset(b, dy), offset(b, filter), offset(b, out), ...g);
        return out;
      }
      // The input gradient wants the filter's input channels contiguous: transpose each tap.
      const [kh, kw, ci, co] = wShape;
      const wt = scratch(b, kh * kw * ci * co * 4, out);
      try {
        k.transpose_taps(offset(b, filter), wt, kh * kw, ci, co);
        k.conv2d_input_grad(offset(b, dy), wt, offset(b, out), ...g);
      } finally {
        b.wasm._free(wt);
      }
      return out;
    },
  });
  return [
    convGrad('Conv2DBackpropFilter', false, 'filter'),
    convGrad('Conv2DBackpropInput', false, 'input'),
    convGrad('DepthwiseConv2dNativeBackpropFilter', true, 'filter'),
    convGrad('DepthwiseConv2dNativeBackpropInput', true, 'input'),
    { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad(k) },
    { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum(k) },
    { kernelName: CHANNEL_SUM, backendName: 'wasm', kernelFunc: channelSum(k) },
    { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sumLeadingAxes(k, tf.getKernel('Sum', 'wasm')!.kernelFunc) },
    { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul(k, tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc) },
    { kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity(tf.getKernel('Identity', 'wasm')!.kernelFunc) },
    { kernelName: 'Concat', backendName: 'wasm', kernelFunc: concatRows(k, tf.getKernel('Concat', 'wasm')!.kernelFunc) },
    { kernelName: 'DepthwiseConv2dNative', backendName: 'wasm', kernelFunc: depthwiseConv(k, tf.getKernel('DepthwiseConv2dNative', 'wasm')!.kernelFunc) },
  ];
}

/**
 * Identity (tf.clone) by reference count, as the CPU backend and the wasm backend's own Reshape
 * do: the wasm Identity copies, and the engine clones every tensor a gradient saves for the
 * backward pass, so a DARTS supernet step copied about 18,000 tensors (batch 64: about 11 % of its
 * CPU, bench/data/darts-step.md). Sharing is safe because tensor data is never written after its
 * kernel returns: a variable's assign takes new data, and every kernel here writes only its output.
 */
function sharedIdentity(copy: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    // Strings live outside the heap; the backend's own kernel handles them.
    if (x.dtype === 'string') return copy(args);
    (args.backend as unknown as WasmBackendInternals).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/**
 * Float32 concatenation with copy_rows. Along axis a, each input is `rows` (the product of the
 * dimensions before a) rows of its remaining elements; the built-in kernel copies each row with a
 * JavaScript subarray and set, which along the channels of a feature map is one call per pixel
 * and input: 12 % of the CPU of judging darts-fmnist-small subnets one-shot (node --cpu-prof),
 * where copy_rows takes 3 %. Other dtypes keep the built-in.
 */
function concatRows(k: KernelsModule, builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const b = args.backend as unknown as WasmBackendInternals;
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (parts.length < 2 || parts.some((t) => t.dtype !== 'float32')) return builtin(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, inputs[0].shape)[0];
    tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    const shape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const rows = tf.util.sizeFromShape(shape.slice(0, axis));
    const stride = tf.util.sizeFromShape(shape.slice(axis));
    const out = output(b, shape);
    let column = 0;
    for (const t of parts) {
      const cols = tf.util.sizeFromShape(t.shape.slice(axis));
      k.copy_rows(offset(b, t), offset(b, out) + 4 * column, rows, cols, stride);
      column += cols;
    }
    return out;
  };
}

/**
 * Depthwise convolution of channel multiplier 1 with depthwise_conv2d, which sums as XNNPACK
 * does (same bits). On [256, H, W, C] maps of these networks it takes 0.4-0.56x XNNPACK's time
 * with 5x5 filters (dilated or not), 0.1x with a strided 1x1 (subsample), about the same with
 * 3x3. Other filters keep XNNPACK: a 2x2 takes it 0.74x our time, and from 7x7 on it sums in
 * another order (test/wasm-depthwise.test.ts); so do multipliers above 1 and the fused kernel
 * (bias, activation).
 */
function depthwiseConv(k: KernelsModule, builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const b = args.backend as unknown as WasmBackendInternals;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const [kh, kw, , multiplier] = filter.shape;
    if (x.dtype !== 'float32' || multiplier !== 1 || kh !== kw || ![1, 3, 5].includes(kh)) return builtin(args);
    assertNHWC('DepthwiseConv2dNative', a.dataFormat);
    const info = convInfo(x.shape, filter.shape, a, true);
    const out = output(b, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
    k.depthwise_conv2d(offset(b, x), offset(b, filter), offset(b, out), ...geometry(info, 1));
    return out;
  };
}

/**
 * MaxPoolGrad with max_pool_grad. The built-in kernel of tfjs-backend-wasm 4.22 routes some
 * gradients to the wrong pixel when the window overlaps the padding (3x3, stride 1, pad 1 on 5x5:
 * a corner pixel that is the maximum of no window receives gradient) and takes ~20x the forward
 * pass; this one follows the cpu backend and PyTorch (each window's gradient to its first maximum
 * in row-major order, padding never wins). NHWC, float32.
 */
function maxPoolGrad(k: KernelsModule): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: ConvAttrs['pad']; dimRoundingMode?: ConvAttrs['dimRoundingMode'] };
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
      throw new Error(`MaxPoolGrad on wasm: needs float32 input and dy, got ${input.dtype} and ${dy.dtype}`);
    }
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
      throw new Error(`MaxPoolGrad on wasm: dy has shape ${dy.shape}, the pool of ${input.shape} gives ${info.outShape}`);
    }
    const out = zeroedOutput(b, k, input.shape);
    k.max_pool_grad(offset(b, input), offset(b, dy), offset(b, out), ...geometry(info, info.inChannels));
    return out;
  };
}

/** Sum over every axis but the last. */
function channelSum(k: KernelsModule): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { x } = inputs as { x: tf.TensorInfo };
    const c = x.shape[x.shape.length - 1];
    const out = output(b, [c]);
    k.channel_sum(offset(b, x), offset(b, out), tf.util.sizeFromShape(x.shape) / c, c);
    return out;
  };
}

/**
 * Sum over all axes but the last (every bias gradient) with channel_sum; the built-in kernel
 * transposes first. Other reductions keep the built-in.
 */
function sumLeadingAxes(k: KernelsModule, builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    if (x.dtype !== 'float32' || rank < 2 || axes.length !== rank - 1 || axes.some((a, i) => a !== i)) {
      return builtin(args);
    }
    const out = channelSum(k)(args) as tf.TensorInfo;
    if (keepDims) out.shape = [...x.shape.slice(0, -1).map(() => 1), x.shape[rank - 1]];
    return out;
  };
}

/**
 * Many small products (attention heads): the built-in kernel costs ~0.1 ms per matrix of
 * the batch, so batches go to our loop; a single product keeps XNNPACK.
 */
function batchMatMul(k: KernelsModule, builtin: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const b = backend as unknown as WasmBackendInternals;
    const { a, b: bm } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const outerA = a.shape.slice(0, -2), outerB = bm.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA), batchB = tf.util.sizeFromShape(outerB);
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    // XNNPACK wins on a single untransposed product; with a transpose it copies and loses.
    if ((Math.max(batchA, batchB) === 1 && !transposeA && !transposeB) || !(sameOuter || batchA === 1 || batchB === 1) ||
        a.dtype !== 'float32' || bm.dtype !== 'float32') {
      return builtin(args);
    }
    const [ar, ac] = a.shape.slice(-2), [br, bc] = bm.shape.slice(-2);
    const m = transposeA ? ac : ar, kk = transposeA ? ar : ac, n = transposeB ? br : bc;
    if ((transposeB ? bc : br) !== kk) {
      throw new Error(`BatchMatMul: inner dimensions ${kk} and ${transposeB ? bc : br} of shapes ${a.shape} and ${bm.shape} differ`);
    }
    const batch = Math.max(batchA, batchB);
    const outer = batchA >= batchB ? outerA : outerB;
    const out = output(b, [...outer, m, n]);
    let bPtr = offset(b, bm), bt = 0;
    if (transposeB) {
      bt = scratch(b, batchB * kk * n * 4, out);
      k.batch_transpose(bPtr, bt, batchB, n, kk);
      bPtr = bt;
    }
    try {
      k.batch_matmul(offset(b, a), bPtr, offset(b, out), batch, m, kk, n,
        batchA === 1 ? 0 : m * kk, transposeA ? 1 : kk, transposeA ? m : 1, batchB === 1 ? 0 : kk * n, n);
    } finally {
      if (bt) b.wasm._free(bt);
    }
    return out;
  };
}

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped, as in TF. */
function unsortedSegmentSum(k: KernelsModule): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') {
      throw new Error(`UnsortedSegmentSum on wasm: needs float32 x and int32 segmentIds, got ${x.dtype} and ${segmentIds.dtype}`);
    }
    const rows = tf.util.sizeFromShape(segmentIds.shape);
    const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
    const out = zeroedOutput(b, k, [numSegments, ...x.shape.slice(segmentIds.shape.length)]);
    const heap = b.wasm.HEAPF32;
    const ids = b.wasm.HEAP32.subarray(offset(b, segmentIds) >>> 2, (offset(b, segmentIds) >>> 2) + rows);
    const xs = offset(b, x) >>> 2, os = offset(b, out) >>> 2;
    for (let r = 0; r < rows; r++) {
      const id = ids[r];
      if (id < 0 || id >= numSegments) continue;
      const src = xs + r * inner, dst = os + id * inner;
      for (let j = 0; j < inner; j++) heap[dst + j] += heap[src + j];
    }
    return out;
  };
}

let registered = false;

/** Registers the kernels on the (already initialised) wasm backend; idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const backend = tf.findBackend('wasm') as unknown as WasmBackendInternals | null;
  if (!backend) throw new Error('registerWasmTrainingKernels: the wasm backend is not initialised');
  const k = instantiate(backend.wasm.asm.memory);
  for (const config of kernelConfigs(k)) {
    // Conv2DBackpropInput exists but is slow; the others are missing.
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
