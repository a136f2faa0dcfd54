/**
 * A tiny cell space for the supernet tests (SPOS, DARTS): 2 nodes, 4 ops of which one has weights,
 * 3 cells of 4 channels, so that a supernet trains in seconds.
 */
export const TINY_CELL = {
  name: 'tiny', family: 'cell', task: 'classification', input: { shape: [28, 28, 1], classes: 10 },
  cell: { ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'], nodes: 2 }, network: { C: 4, layers: 3, auxiliary: false },
};
