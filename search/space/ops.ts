/**
 * Operation vocabularies of the cell spaces. The names are those of the DARTS and NAS-Bench-201
 * code bases, so that published genotypes paste in unchanged; search/nn/ builds each of them.
 */

/** The eight DARTS primitives, in the DARTS order (architecture weights are indexed by it). */
export const DARTS_OPS = [
  'none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect',
  'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5',
] as const;

/** Further cell operations: plain convolutions and attention (window with relative bias, or global). */
export const CELL_EXTRA_OPS = ['conv_3x3', 'conv_5x5', 'win_attn', 'global_attn'] as const;

export const CELL_OPS = [...DARTS_OPS, ...CELL_EXTRA_OPS] as const;

/** Cell operations without weights: they cost (almost) no multiply-adds, and DARTS collapses onto them. */
export const PARAMETER_FREE_OPS: readonly string[] = ['none', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3'];
export type CellOp = (typeof CELL_OPS)[number];

/** The five NAS-Bench-201 operations, in the benchmark's order. */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Layer kinds of a block space. */
export const BLOCK_OPS = ['conv', 'mbconv', 'attention', 'hardnet', 'vit'] as const;
export type BlockOp = (typeof BLOCK_OPS)[number];

export const ATTENTION_KINDS = ['window', 'global'] as const;

/** Per-pixel heads a segmentation space can search over: pyramid pooling, FPN fusion, UperNet (both), SETR's progressive upsampling, Segmenter's mask transformer, plain upsampling. */
export const SEG_HEADS = ['ppm', 'fpn', 'upsample', 'upernet', 'pup', 'mask'] as const;
export type SegHead = (typeof SEG_HEADS)[number];

/** Output strides a segmentation block space can read its deepest map at (coarser stages dilated instead). */
export const OUTPUT_STRIDES = [8, 16, 32] as const;
export type OutputStride = (typeof OUTPUT_STRIDES)[number];

/** How a spatial path takes the context levels: resized and concatenated, or BiSeNet's attention refinement. */
export const CONTEXT_PATHS = ['resize', 'arm'] as const;
export type ContextPath = (typeof CONTEXT_PATHS)[number];
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

/** The zero operation: its edge contributes nothing, whatever its input. */
export const ZERO_OP = 'none';
