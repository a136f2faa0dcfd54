/**
 * A data set at another input resolution (a genotype's `resolution`): every split's images resized
 * bilinearly to side x side, as EfficientNet trains a scaled network on larger images. Labels,
 * statistics and augmentation are kept: resizing moves no pixel's class.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from './types.ts';

const CHUNK = 512;

function resizeSplit(split: Split, [h, w, c]: Dataset['shape'], side: number): Split {
  const out = new Uint8Array(split.count * side * side * c);
  for (let start = 0; start < split.count; start += CHUNK) {
    const n = Math.min(CHUNK, split.count - start);
    const pixels = tf.tidy(() => {
      const x = tf.tensor4d(split.images.subarray(start * h * w * c, (start + n) * h * w * c), [n, h, w, c], 'int32').toFloat();
      return tf.image.resizeBilinear(x, [side, side], true).round().clipByValue(0, 255).dataSync();
    });
    out.set(pixels, start * side * side * c);
  }
  return { images: out, labels: split.labels, count: split.count };
}

export function resizeDataset(d: Dataset, side: number): Dataset {
  if (d.shape[0] === side && d.shape[1] === side) return d;
  return {
    ...d, shape: [side, side, d.shape[2]],
    train: resizeSplit(d.train, d.shape, side), val: resizeSplit(d.val, d.shape, side), test: resizeSplit(d.test, d.shape, side),
  };
}
