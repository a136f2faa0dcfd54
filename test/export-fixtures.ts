/**
 * Small networks that together use every operation of every space and the three segmentation
 * heads, with non-trivial BatchNorm statistics, biases and attention tables so that a
 * translation that ignored one of them would show.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../search/util/rng.ts';
import type { BlockGenotype, CellGenotype, TabularCellGenotype } from '../search/space/types.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { buildBlockNetwork, buildCellNetwork, buildNb201Network, type HeadKind, type Network } from '../search/nn/index.ts';

/** Normal cell: the DARTS primitives; reduction cell: strided pools, factorized skip, strided sep/dil convs, a strided zero. */
export const DARTS_ALL: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_5x5', 1], ['dil_conv_3x3', 0], ['dil_conv_5x5', 2], ['skip_connect', 1], ['max_pool_3x3', 3], ['avg_pool_3x3', 0], ['none', 4]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['avg_pool_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1], ['dil_conv_5x5', 0], ['none', 1], ['sep_conv_5x5', 2], ['dil_conv_3x3', 3]],
  reduce_concat: [2, 3, 4, 5],
};

/** Plain convs and both attentions, in normal and (strided) reduction cells. */
export const DARTS_EXTRA: CellGenotype = {
  normal: [['conv_3x3', 0], ['win_attn', 1], ['global_attn', 2], ['conv_5x5', 0]],
  normal_concat: [2, 3],
  reduce: [['win_attn', 0], ['global_attn', 1], ['conv_5x5', 0], ['conv_3x3', 2], ['win_attn', 3], ['dil_conv_3x3', 1]],
  reduce_concat: [3, 4],
};

export const NB201_ALL: TabularCellGenotype = {
  nodes: [['nor_conv_3x3'], ['skip_connect', 'nor_conv_1x1'], ['avg_pool_3x3', 'none', 'nor_conv_3x3']],
};

/** conv, mbconv with and without expansion and shortcut, window attention (plain and shifted) and global attention. */
export const BLOCK_ALL: BlockGenotype = {
  stages: [
    { depth: 2, layers: [{ op: 'conv', kernel: 3, width: 8 }, { op: 'mbconv', kernel: 5, expand: 1, width: 8 }] },
    { depth: 2, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 16 }, { op: 'mbconv', kernel: 7, expand: 6, width: 16 }] },
    { depth: 3, layers: [{ op: 'win_attn', width: 32 }, { op: 'win_attn', width: 32 }, { op: 'attention', width: 32 }] },
  ],
};

export interface Fixture { name: string; build: () => Network }

/** Makes BN statistics, scales, shifts, biases and attention tables differ from their initial constants. */
export function perturbState(net: Network, seed: number): void {
  const rng = createRng(seed);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  for (const { name, variable } of [...net.variables(), ...net.buffers()]) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    const draw: (() => number) | undefined = ({
      running_mean: () => 0.1 * rng.normal(),
      running_var: () => uniform(1, 3),
      gamma: () => uniform(0.8, 1.2),
      beta: () => 0.1 * rng.normal(),
      bias: () => 0.1 * rng.normal(),
      relative_position_bias_table: () => 0.5 * rng.normal(),
    } as Record<string, () => number>)[leaf];
    if (!draw) continue;
    const values = Float32Array.from({ length: variable.size }, draw);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

const block = (head: HeadKind, inShape: number[]): Network => buildBlockNetwork(BLOCK_ALL, {
  classes: head === 'classifier' ? 10 : 5, inShape, task: head === 'classifier' ? 'classification' : 'segmentation',
  head, stemChannels: 8, windowSize: 2,
}, createRng(3));

/** Every op of the seg-cells space, at 3 nodes per cell. */
const DARTS_SEG: CellGenotype = {
  normal: [['sep_conv_3x3', 0], ['win_attn', 1], ['global_attn', 2], ['dil_conv_3x3', 0], ['skip_connect', 3], ['max_pool_3x3', 1]],
  normal_concat: [2, 3, 4],
  reduce: [['sep_conv_5x5', 0], ['max_pool_3x3', 1], ['skip_connect', 0], ['none', 1], ['win_attn', 2], ['global_attn', 3]],
  reduce_concat: [2, 3, 4],
};

/** A shipped segmentation space's network at 32x32 (blocks: a sampled genotype with the given head and spatial path). */
function segSpace(name: string, choice: { head: string; spatialPath: boolean; outputStride?: number; contextPath?: string }, cells?: CellGenotype | BlockGenotype): Network {
  const space = loadSpace(resolveSpacePath(name));
  const genotype = { ...(cells ?? space.sample(createRng(8))), ...choice };
  return buildNetwork(space, genotype as never, { inShape: [32, 32, 1], classes: 4, rng: createRng(5) });
}

/** 20x20 inputs make window attention pad (10 and 5 are not multiples of 4 or 2). */
export const FIXTURES: Fixture[] = [
  { name: 'darts: DARTS primitives (normal + reduction)', build: () => buildCellNetwork(DARTS_ALL, { C: 8, layers: 4, classes: 10, inShape: [16, 16, 3] }, createRng(1)) },
  { name: 'darts: conv/win_attn/global_attn (normal + reduction)', build: () => buildCellNetwork(DARTS_EXTRA, { C: 8, layers: 4, classes: 10, inShape: [20, 20, 1] }, createRng(2)) },
  { name: 'nb201: all five ops', build: () => buildNb201Network(NB201_ALL, { C: 4, cellsPerStage: 1, classes: 10, inShape: [16, 16, 3] }, createRng(4)) },
  { name: 'block: conv/mbconv/win_attn/attention, classifier', build: () => block('classifier', [16, 16, 3]) },
  { name: 'block + upsample head', build: () => block('upsample', [20, 20, 3]) },
  { name: 'block + ppm head', build: () => block('ppm', [20, 20, 3]) },
  { name: 'block + fpn head', build: () => block('fpn', [20, 20, 3]) },
  { name: 'block + upernet head', build: () => block('upernet', [20, 20, 3]) },
  { name: 'block + SETR progressive upsampling head', build: () => block('pup', [16, 16, 3]) },
  { name: 'seg-cells: 1/4..1/32 cells, spatial path, fpn', build: () => segSpace('seg-cells', { head: 'fpn', spatialPath: true }, DARTS_SEG) },
  { name: 'seg-blocks: min-stride blocks, spatial path, ppm', build: () => segSpace('seg-blocks', { head: 'ppm', spatialPath: true, outputStride: 32 }) },
  { name: 'seg-blocks: output stride 8 (dilated stages), upernet', build: () => segSpace('seg-blocks', { head: 'upernet', spatialPath: false, outputStride: 8 }) },
  { name: 'seg-blocks: HarDNet blocks (strided, and dilated at output stride 16), upernet', build: () => {
    const hd = (width: number) => ({ op: 'hardnet', kernel: 3, width });
    const g = { stages: [{ depth: 1, layers: [hd(16)] }, { depth: 2, layers: [hd(24), hd(24)] }, { depth: 1, layers: [hd(32)] }, { depth: 1, layers: [hd(48)] }] };
    return segSpace('seg-blocks', { head: 'upernet', spatialPath: false, outputStride: 16 }, g);
  } },
  { name: 'seg-blocks: ViT layers (patch embedding, then at output stride 16), Segmenter mask transformer', build: () => segSpace('seg-blocks', { head: 'mask', spatialPath: false, outputStride: 16 }, {
    stages: [{ depth: 1, layers: [{ op: 'conv', kernel: 3, width: 16 }] }, { depth: 1, layers: [{ op: 'conv', kernel: 3, width: 24 }] },
      { depth: 2, layers: [{ op: 'vit', width: 32 }, { op: 'vit', width: 32 }] }, { depth: 1, layers: [{ op: 'vit', width: 48 }] }],
  }) },
  { name: 'seg-blocks: spatial path with ARM context path, fpn', build: () => segSpace('seg-blocks', { head: 'fpn', spatialPath: true, contextPath: 'arm', outputStride: 32 }) },
];

/** A seeded NHWC batch. */
export function randomInput(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
