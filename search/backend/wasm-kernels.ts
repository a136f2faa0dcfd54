/**
 * The training kernels the TensorFlow.js wasm backend lacks (convolution and depthwise filter
 * and input gradients, UnsortedSegmentSum), plus a faster Conv2DBackpropInput than its scalar
 * built-in one. The arithmetic lives in kernels.c (built to kernels.wasm, committed); that
 * module imports the backend's own WebAssembly.Memory, so kernels read and write tensors in
 * place at their heap offsets.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend's internals these kernels use (tfjs-backend-wasm 4.22). */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
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
}

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

/** A zeroed float32 output on the wasm heap. */
function zeroedOutput(b: WasmBackendInternals, k: KernelsModule, shape: number[]): tf.TensorInfo {
  const out = b.makeOutput(shape, 'float32');
  k.zero_floats(offset(b, out), tf.util.sizeFromShape(shape));
  return out;
}

function kernelConfigs(k: KernelsModule): tf.KernelConfig[] {
  const filterGrad = (name: string, depthwise: boolean): tf.KernelConfig => ({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendInternals;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
      assertNHWC(name, a.dataFormat);
      const info = convInfo(x.shape, a.filterShape, a, depthwise);
      const out = zeroedOutput(b, k, a.filterShape);
      const g = geometry(info, depthwise ? a.filterShape[3] : info.outChannels);
      (depthwise ? k.depthwise_filter_grad : k.conv2d_filter_grad)(offset(b, x), offset(b, dy), offset(b, out), ...g);
      return out;
    },
  });
  const inputGrad = (name: string, depthwise: boolean): tf.KernelConfig => ({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendInternals;
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
      assertNHWC(name, a.dataFormat);
      const info = convInfo(a.inputShape, filter.shape, a, depthwise);
      const out = zeroedOutput(b, k, a.inputShape);
      if (depthwise) {
        k.depthwise_input_grad(offset(b, dy), offset(b, filter), offset(b, out), ...geometry(info, filter.shape[3]));
        return out;
      }
      // The input gradient wants the filter's input channels contiguous: transpose each tap.
      const [kh, kw, ci, co] = filter.shape;
      const wt = b.wasm._malloc(kh * kw * ci * co * 4);
      try {
        k.transpose_taps(offset(b, filter), wt, kh * kw, ci, co);
        k.conv2d_input_grad(offset(b, dy), wt, offset(b, out), ...geometry(info, co));
      } finally {
        b.wasm._free(wt);
      }
      return out;
    },
  });
  return [
    filterGrad('Conv2DBackpropFilter', false),
    inputGrad('Conv2DBackpropInput', false),
    filterGrad('DepthwiseConv2dNativeBackpropFilter', true),
    inputGrad('DepthwiseConv2dNativeBackpropInput', true),
    { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum(k) },
  ];
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
