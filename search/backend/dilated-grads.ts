/**
 * Gradients for dilated Conv2D and DepthwiseConv2dNative, which tfjs 4.22 refuses ("dilation
 * rates greater than 1 are not yet supported in gradients") on every backend — so DARTS'
 * dil_conv could not train. Undilated calls keep tfjs' own gradient.
 *
 * On wasm our backprop kernels take the dilations directly. Elsewhere (the cpu input-gradient
 * kernel ignores dilations) a dilated filter is written out densely, taps d apart with zeros
 * between, and the undilated kernels run on that: the same function, d^2 times the work.
 */
import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];
const pair = (v: number | number[] | undefined): Pair =>
  v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** [k0, k1, a, b] -> [(k0-1)*d0+1, (k1-1)*d1+1, a, b] with zeros between the taps. */
function spreadFilter(w: tf.Tensor4D, [d0, d1]: Pair): tf.Tensor4D {
  const [k0, k1, a, b] = w.shape;
  return tf.tidy(() => tf.pad(w.reshape([k0, 1, k1, 1, a, b]), [[0, 0], [0, d0 - 1], [0, 0], [0, d1 - 1], [0, 0], [0, 0]])
    .reshape([k0 * d0, k1 * d1, a, b])
    .slice([0, 0, 0, 0], [(k0 - 1) * d0 + 1, (k1 - 1) * d1 + 1, a, b]) as tf.Tensor4D);
}

/** Inverse of spreadFilter's placement: the taps at multiples of d. */
function gatherTaps(dense: tf.Tensor4D, [k0, k1]: Pair, [d0, d1]: Pair): tf.Tensor4D {
  const [, , a, b] = dense.shape;
  return tf.tidy(() => tf.pad(dense, [[0, d0 - 1], [0, d1 - 1], [0, 0], [0, 0]])
    .reshape([k0, d0, k1, d1, a, b])
    .slice([0, 0, 0, 0, 0, 0], [k0, 1, k1, 1, a, b])
    .reshape([k0, k1, a, b]) as tf.Tensor4D);
}

function dilatedGrad(kernelName: 'Conv2D' | 'DepthwiseConv2dNative', inputKernel: string, filterKernel: string): tf.GradConfig {
  const original = tf.getGradient(kernelName);
  if (!original) throw new Error(`tfjs has no gradient for ${kernelName} to extend`);
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const d = pair((attrs as { dilations?: number | number[] }).dilations);
      if (d[0] === 1 && d[1] === 1) return original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dimRoundingMode } = attrs as Record<string, unknown>;
      const dy4 = dy as tf.Tensor4D;
      const base = { strides, pad, dimRoundingMode, dataFormat: 'NHWC' };
      const run = (name: string, inputs: tf.NamedTensorMap, extra: Record<string, unknown>) =>
        tf.engine().runKernel(name, inputs, { ...base, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
      if (tf.getBackend() === 'wasm') {
        return {
          x: () => run(inputKernel, { dy: dy4, filter }, { dilations: d, inputShape: x.shape }),
          filter: () => run(filterKernel, { x, dy: dy4 }, { dilations: d, filterShape: filter.shape }),
        };
      }
      const [k0, k1] = filter.shape;
      return {
        x: () => tf.tidy(() => run(inputKernel, { dy: dy4, filter: spreadFilter(filter, d) }, { dilations: 1, inputShape: x.shape })),
        filter: () => tf.tidy(() => {
          const denseShape = [(k0 - 1) * d[0] + 1, (k1 - 1) * d[1] + 1, filter.shape[2], filter.shape[3]];
          const dense = run(filterKernel, { x, dy: dy4 }, { dilations: 1, filterShape: denseShape }) as tf.Tensor4D;
          return gatherTaps(dense, [k0, k1], d);
        }),
      };
    },
  };
}

let registered = false;

/** Replaces the Conv2D and DepthwiseConv2dNative gradients (for every backend); idempotent. */
export function registerDilatedGradients(): void {
  if (registered) return;
  tf.registerGradient(dilatedGrad('Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'));
  tf.registerGradient(dilatedGrad('DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'));
  registered = true;
}
