/**
 * A tiny block space for the Once-for-All tests: two stages, every op of mobile-blocks, attention
 * on the 4x4 maps (window 2, shifted in second layers).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TINY_BLOCKS = {
  name: 'tiny-blocks', family: 'block', task: 'classification', input: { shape: [32, 32, 1], classes: 4 },
  stem: { width: 8, stride: 2 },
  stages: [
    { stride: 2, depth: [1, 2], width: { base: 8, multipliers: [1, 2] }, ops: [{ op: 'conv', kernel: [3, 5] }, { op: 'mbconv', kernel: [3, 5, 7], expand: [1, 3, 6] }] },
    { stride: 2, depth: [1, 2, 3], width: { base: 16, multipliers: [1, 1.5] }, ops: [{ op: 'mbconv', kernel: [3, 5], expand: [3, 6] }, { op: 'attention', kind: ['window', 'global'] }] },
  ],
  windowSize: 2,
};

/** TINY_BLOCKS written as `dir`/tiny-blocks.json, for what loads its space from a file (runs, trainers, the CLI); returns the path. */
export function writeTinyBlocks(dir: string): string {
  const path = join(dir, 'tiny-blocks.json');
  writeFileSync(path, JSON.stringify(TINY_BLOCKS));
  return path;
}
