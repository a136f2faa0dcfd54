/**
 * MaxPoolGrad for wasm. The built-in kernel of tfjs-backend-wasm 4.22 routes some gradients to
 * the wrong pixel when the window overlaps the padding (e.g. 3x3, stride 1, pad 1 on 5x5: a
 * corner pixel that is the maximum of no window receives gradient), and takes ~20x the forward
 * pass. This one follows the cpu backend and PyTorch: each window's gradient goes to its first
 * maximum in row-major order, padding never wins. A JS loop over the heap, channels innermost.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const maxPoolGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmHeapBackend;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const dx = b.makeOutput(input.shape, 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const x = b.typedArrayFromHeap(input), g = b.typedArrayFromHeap(dy), out = b.typedArrayFromHeap(dx);
  out.fill(0);
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * sh - top), y1 = Math.min(H, oy * sh - top + kh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * sw - left), x1 = Math.min(W, ox * sw - left + kw);
        const o = ((i * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let iy = y0; iy < y1; iy++) {
            for (let p = ((i * H + iy) * W + x0) * C + c, end = p + (x1 - x0) * C; p < end; p += C) {
              if (x[p] > best) {
                best = x[p];
                at = p;
              }
            }
          }
          if (at >= 0) out[at] += g[o + c];
        }
      }
    }
  }
  return dx;
};

/** Replaces the wasm MaxPoolGrad kernel; idempotent. */
export function registerWasmMaxPoolGrad(): void {
  const existing = tf.getKernel('MaxPoolGrad', 'wasm');
  if (existing?.kernelFunc === maxPoolGrad) return;
  if (existing) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad });
}
