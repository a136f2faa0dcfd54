/** Scenes of a split picked by position, in the given order (copies): split parts, episodes. */
import { imageSize, type Shape } from '../types.ts';
import type { SegSplit } from './types.ts';

export function gatherScenes(s: SegSplit, positions: ArrayLike<number>, shape: Shape): SegSplit {
  const size = imageSize(shape), px = shape[0] * shape[1];
  const images = new Uint8Array(positions.length * size);
  const masks = new Uint8Array(positions.length * px);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    images.set(s.images.subarray(p * size, (p + 1) * size), i * size);
    masks.set(s.masks.subarray(p * px, (p + 1) * px), i * px);
  }
  return { images, masks, count: positions.length };
}
