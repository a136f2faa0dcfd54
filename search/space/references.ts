/**
 * Hand-designed reference architectures: genotypes of the shipped spaces that approximate each
 * seed family at the scale of our scenes (64x64 segmentation on seg-blocks) and of Fashion-MNIST
 * (28x28 classification on darts-fmnist-small), so that a search's front can be read against
 * them. Each says what it keeps of its family and what it cannot; they are starting points for a
 * comparison, not reproductions (no pretrained weights, no MLPs after our attention layers).
 */
import type { BlockGenotype, BlockLayer, CellGenotype, Genotype } from './types.ts';

export interface ReferenceArchitecture {
  name: string;
  /** The shipped space (space-defs/NAME.json) the genotype belongs to. */
  space: string;
  genotype: Genotype;
  /** What the approximation keeps and what it leaves out. */
  note: string;
}

const conv = (width: number, kernel = 3): BlockLayer => ({ op: 'conv', kernel, width });
const mb = (width: number, expand: number, kernel = 3): BlockLayer => ({ op: 'mbconv', kernel, expand, width });
const attn = (width: number, attention: 'window' | 'global'): BlockLayer => ({ op: 'attention', attention, width });
const hd = (width: number): BlockLayer => ({ op: 'hardnet', kernel: 3, width });
const stage = (...layers: BlockLayer[]) => ({ depth: layers.length, layers });

/** seg-blocks: stem 1/2, stages at 1/4, 1/8, 1/16, 1/32 (or dilated past the output stride). */
const vit = (width: number): BlockLayer => ({ op: 'vit', width });
const vitEncoder: BlockGenotype['stages'] = [
  // A conv stem to 1/8, then ViT layers: a 2x2 patch embedding to 1/16 and transformer layers at that one resolution.
  stage(conv(16)), stage(conv(24)), stage(vit(64), vit(64), vit(64)), stage(vit(96), vit(96)),
];

const SEGMENTATION: ReferenceArchitecture[] = [
  {
    name: 'pspnet-like', space: 'seg-blocks',
    genotype: {
      stages: [stage(conv(24), conv(24)), stage(conv(40), conv(40), conv(40)), stage(mb(64, 6), mb(64, 6), mb(64, 6)), stage(mb(96, 6), mb(96, 6))],
      head: 'ppm', spatialPath: false, outputStride: 8,
    } as BlockGenotype,
    note: 'PSPNet: a convolutional backbone read at 1/8 (its last two stages dilated 2 and 4) and the pyramid pooling head; plain convs and MBConvs stand in for the dilated ResNet.',
  },
  {
    name: 'setr-like', space: 'seg-blocks',
    genotype: { stages: vitEncoder, head: 'pup', spatialPath: false, outputStride: 16 } as BlockGenotype,
    note: 'SETR-PUP: a ViT encoder (transformer layers with MLPs at one resolution, 1/16: the last stage does not stride) and the progressive upsampling decoder; a conv stem to 1/8 and a 2x2 patch embedding replace the 16x16 one, with no position embedding and five layers, not 24.',
  },
  {
    name: 'segmenter-like', space: 'seg-blocks',
    genotype: { stages: vitEncoder, head: 'mask', spatialPath: false, outputStride: 16 } as BlockGenotype,
    note: "Segmenter: its mask-transformer decoder (two layers; class embeddings attending with the patch tokens, masks from their dot products) on the SETR-like encoder; ReLU for GELU in the decoder's MLP.",
  },
  {
    name: 'swin-upernet-like', space: 'seg-blocks',
    genotype: {
      stages: [stage(conv(16)), stage(conv(24)), stage(attn(64, 'window'), attn(64, 'window')), stage(attn(96, 'window'), attn(96, 'window'))],
      head: 'upernet', spatialPath: false, outputStride: 32,
    } as BlockGenotype,
    note: 'Swin + UperNet: window attention with relative position bias, shifted in every second layer, in the 1/16 and 1/32 stages (convs below: the space offers attention from 1/8), decoded by UperNet over all four levels.',
  },
  {
    name: 'bisenet-like', space: 'seg-blocks',
    genotype: {
      stages: [stage(mb(16, 1)), stage(mb(24, 3)), stage(mb(32, 3), mb(32, 3)), stage(mb(48, 3), mb(48, 3))],
      head: 'upsample', spatialPath: true, contextPath: 'arm', outputStride: 32,
    } as BlockGenotype,
    note: "BiSeNet: a three-conv spatial path at 1/8 beside a light context path (MBConvs standing in for Xception39) refined by attention refinement modules with global context, joined by the feature fusion module; no auxiliary losses.",
  },
  {
    name: 'hardnet-like', space: 'seg-blocks',
    genotype: {
      stages: [stage(hd(16)), stage(hd(24), hd(24)), stage(hd(40), hd(40)), stage(hd(64))],
      head: 'fpn', spatialPath: false, outputStride: 32,
    } as BlockGenotype,
    note: "FC-HarDNet: harmonic dense blocks (four layers each, a 1x1 transition) at every stage, decoded over all levels; the FPN head stands in for FC-HarDNet's concatenating U-shaped decoder.",
  },
];

/** darts-fmnist-small: three nodes per cell, two inputs each; inputs 0, 1 are the two previous cells. */
const cell = (normal: CellGenotype['normal'], reduce: CellGenotype['reduce']): CellGenotype =>
  ({ normal, normal_concat: [2, 3, 4], reduce, reduce_concat: [2, 3, 4] });

const CLASSIFICATION: ReferenceArchitecture[] = [
  {
    name: 'resnet-like', space: 'darts-fmnist-small',
    genotype: cell(
      [['sep_conv_3x3', 1], ['skip_connect', 1], ['sep_conv_3x3', 2], ['skip_connect', 2], ['sep_conv_3x3', 3], ['skip_connect', 3]],
      [['sep_conv_3x3', 1], ['max_pool_3x3', 1], ['sep_conv_3x3', 2], ['skip_connect', 2], ['sep_conv_3x3', 3], ['skip_connect', 3]],
    ),
    note: 'A chain of residual units: each node adds a separable conv of the previous state to the state itself.',
  },
  {
    name: 'inception-like', space: 'darts-fmnist-small',
    genotype: cell(
      [['sep_conv_3x3', 1], ['sep_conv_5x5', 0], ['dil_conv_3x3', 1], ['max_pool_3x3', 0], ['avg_pool_3x3', 1], ['sep_conv_3x3', 0]],
      [['sep_conv_3x3', 1], ['sep_conv_5x5', 0], ['dil_conv_3x3', 1], ['max_pool_3x3', 0], ['avg_pool_3x3', 1], ['sep_conv_3x3', 0]],
    ),
    note: 'Wide and shallow: every node reads the cell inputs through different kernels and pools, concatenated as Inception branches are.',
  },
  {
    name: 'vgg-like', space: 'darts-fmnist-small',
    genotype: cell(
      [['sep_conv_3x3', 1], ['none', 0], ['sep_conv_3x3', 2], ['none', 0], ['sep_conv_3x3', 3], ['none', 0]],
      [['max_pool_3x3', 1], ['none', 0], ['sep_conv_3x3', 2], ['none', 0], ['sep_conv_3x3', 3], ['none', 0]],
    ),
    note: 'A plain stack: each node convolves the previous one and nothing else (no shortcut), reductions by max pooling.',
  },
];

export const REFERENCE_ARCHITECTURES: readonly ReferenceArchitecture[] = [...SEGMENTATION, ...CLASSIFICATION];

/** The reference architectures of one shipped space. */
export function referencesOf(space: string): ReferenceArchitecture[] {
  return REFERENCE_ARCHITECTURES.filter((r) => r.space === space).map((r) => structuredClone(r));
}
