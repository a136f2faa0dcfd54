/**
 * Networks of segmentation spaces (a `segmentation` section in the definition): a backbone whose
 * features run from 1/4 to 1/32, optionally fused with a spatial path, then the genotype's head,
 * returning [b, H, W, classes] logits at the input resolution.
 */
import { Network, type Backbone } from '../nn/network.ts';
import { buildHead } from '../nn/heads.ts';
import { BlockBackbone } from '../nn/block.ts';
import { supernetEdgeFactory, type SupernetEdgeOptions } from '../nn/supernet-edges.ts';
import { defaultEdgeFactory, genotypeWiring, supernetWiring } from '../nn/cell.ts';
import type { CellPlan } from '../nn/cell-stack.ts';
import { MinStrideBackbone, SegCellBackbone, TwoPathBackbone } from '../nn/seg-backbones.ts';
import type { Shape } from '../nn/module.ts';
import { createRng, type Rng } from '../util/rng.ts';
import type { BuildOptions } from './build-options.ts';
import type { BlockSpace } from './block.ts';
import { canonicalBlock, toNnBlocks } from './block.ts';
import type { CellSpace } from './cell.ts';
import { canonicalCell } from './cell.ts';
import { segmentationChoice } from './segmentation.ts';
import type { Genotype, SegmentationChoice } from './types.ts';

function finish(space: CellSpace | BlockSpace, backbone: Backbone, c: Required<SegmentationChoice>, inShape: Shape, classes: number, rng: Rng, extra: Record<string, unknown>): Network {
  const seg = space.def.segmentation!;
  const full = c.spatialPath ? new TwoPathBackbone(backbone, inShape, seg.spatialWidth, rng, c.contextPath) : backbone;
  const head = buildHead(c.head, 'segmentation', full.featureShapes(inShape), classes, rng, inShape);
  return new Network({ task: 'segmentation', classes, inShape, head: c.head, spatialPath: c.spatialPath, ...extra }, full, head);
}

function target(space: CellSpace | BlockSpace, o: BuildOptions): { inShape: Shape; classes: number; rng: Rng } {
  if (o.task && o.task !== 'segmentation') throw new Error(`space '${space.name}' builds segmentation networks, not ${o.task}`);
  return { inShape: (o.inShape ?? [...space.def.input.shape]) as Shape, classes: o.classes ?? space.def.input.classes, rng: o.rng ?? createRng(0) };
}

export function buildSegmentationNetwork(space: CellSpace | BlockSpace, genotype: Genotype, o: BuildOptions = {}): Network {
  const { inShape, classes, rng } = target(space, o);
  if (space.family === 'cell') {
    const valid = space.validate(genotype);
    const g = canonicalCell(valid);
    const plan: CellPlan = { normal: genotypeWiring(g.normal), normalConcat: g.normal_concat, reduce: genotypeWiring(g.reduce), reduceConcat: g.reduce_concat };
    const backbone = new SegCellBackbone(plan, { C: space.def.network.C, layers: space.def.network.layers, inChannels: inShape[2] }, rng, defaultEdgeFactory);
    return finish(space, backbone, segmentationChoice(space, valid), inShape, classes, rng, { genotype: valid });
  }
  const valid = space.validate(genotype);
  const { stem, stages, windowSize } = space.def;
  const choice = segmentationChoice(space, valid);
  const { strides, dilations } = dilatedStages(stem.stride, stages.map((s) => s.stride), choice.outputStride);
  const blocks = new BlockBackbone(toNnBlocks(canonicalBlock(valid)), {
    stemChannels: stem.width, stemStride: stem.stride, stageStrides: strides, stageDilations: dilations, inChannels: inShape[2], windowSize,
  }, rng);
  return finish(space, new MinStrideBackbone(blocks, 4), choice, inShape, classes, rng, { genotype: valid });
}

/**
 * Stage strides and dilations reading the deepest map at `outputStride`: a stage that would pass
 * it keeps its input's resolution and multiplies the dilation of its and later stages' convolutions
 * by its stride (PSPNet's ResNet at 1/8: dilation 2 in the third stage, 4 in the fourth).
 */
export function dilatedStages(stemStride: number, stageStrides: number[], outputStride: number): { strides: number[]; dilations: number[] } {
  let total = stemStride;
  let dilation = 1;
  const strides: number[] = [];
  const dilations: number[] = [];
  for (const s of stageStrides) {
    if (total * s > outputStride) dilation *= s;
    else total *= s;
    strides.push(dilation > 1 ? 1 : s);
    dilations.push(dilation);
  }
  return { strides, dilations };
}

/**
 * The DARTS supernet of a segmentation cell space: MixedOp edges over the space's ops in the
 * 1/4..1/32 layout; forward takes { normal, reduce } weights as buildDartsSupernet's does. The head
 * and spatial path are fixed during the search (`o.head`/`o.spatialPath`, default the space's first
 * choices); the derived genotype carries them.
 */
export function buildSegmentationSupernet(space: CellSpace, o: BuildOptions & SegmentationChoice & { edges?: SupernetEdgeOptions } = {}): Network {
  const { inShape, classes, rng } = target(space, o);
  const { C, layers } = space.def.supernet ?? space.def.network;
  const nodes = space.def.cell.nodes;
  const wiring = supernetWiring(nodes);
  const concat = Array.from({ length: nodes }, (_, i) => i + 2);
  const ops = [...space.def.cell.ops];
  const factory = supernetEdgeFactory(ops, o.edges);
  const backbone = new SegCellBackbone({ normal: wiring, normalConcat: concat, reduce: wiring, reduceConcat: concat }, { C, layers, inChannels: inShape[2], affine: false }, rng, factory);
  return finish(space, backbone, segmentationChoice(space, o), inShape, classes, rng, { supernet: { ops, nodes, multiplier: nodes, edges: wiring.length } });
}
