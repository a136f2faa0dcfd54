/**
 * A tiny cell space for the supernet tests (SPOS, DARTS): 2 nodes, 4 ops of which one has weights,
 * 3 cells of 4 channels, so that a supernet trains in seconds. No `supernet` entry: a DARTS
 * supernet is then this network's size (C 4, 3 cells).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TINY_CELL = {
  name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
  cell: { ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'], nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false },
};

/** TINY_CELL written as `dir`/tiny.json, for what loads its space from a file (runs, trainers, the CLI); returns the path. */
export function writeTinyCell(dir: string): string {
  const path = join(dir, 'tiny.json');
  writeFileSync(path, JSON.stringify(TINY_CELL));
  return path;
}
