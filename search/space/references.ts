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
const stage = (...layers: BlockLayer[]) => ({ depth: layers.length, layers });

/** seg-blocks: stem 1/2, stages at 1/4, 1/8, 1/16, 1/32 (or dilated past the output stride). */
const vitEncoder: BlockGenotype['stages'] = [
  // Strided convs to 1/16 stand in for the patch embedding; then one resolution of global attention.
  stage(conv(16)), stage(conv(24)), stage(attn(64, 'global'), attn(64, 'global'), attn(64, 'global')), stage(attn(96, 'global'), attn(96, 'global')),
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
    note: 'SETR-PUP: global self-attention at one resolution (1/16, the last stage not striding) and the progressive upsampling decoder; strided convs replace the linear patch embedding, and the attention layers have no MLP.',
  },
  {
    name: 'segmenter-like', space: 'seg-blocks',
    genotype: { stages: vitEncoder, head: 'upsample', spatialPath: false, outputStride: 16 } as BlockGenotype,
    note: "Segmenter with its linear decoder (a per-patch classifier, upsampled) on the SETR-like encoder; Segmenter's mask-transformer decoder is not built.",
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
