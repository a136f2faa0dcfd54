/** Normalised minibatches of unlabelled target images, as the source's batches are normalised. */
import { IDENTITY, writeAugmented } from '../../data/augment.ts';
import type { UnlabelledSplit } from '../../data/segmentation/domain-shift.ts';
import { imageSize, type Shape } from '../../data/types.ts';

/** Images `indices` of `split`, normalised by the source statistics, back to back. */
export function targetImages(split: UnlabelledSplit, shape: Shape, indices: ArrayLike<number>, mean: readonly number[], std: readonly number[]): Float32Array {
  const size = imageSize(shape);
  const x = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) writeAugmented(split.images, indices[i] * size, x, i * size, shape, IDENTITY, mean, std);
  return x;
}
