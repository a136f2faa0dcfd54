/**
 * Builds the network a genotype stands for in its space, through the builders of search/nn/.
 * The canonical genotype is built (dead nodes and unused edges dropped), so that genotypes with
 * one key build one network, with the same parameter count and MACs.
 */
import type { Network } from '../nn/network.ts';
import { buildCellNetwork, buildDartsSupernet } from '../nn/darts.ts';
import { supernetEdgeFactory, type SupernetEdgeOptions } from '../nn/supernet-edges.ts';
import { buildNb201Network } from '../nn/nb201.ts';
import { buildBlockNetwork } from '../nn/block.ts';
import { createRng } from '../util/rng.ts';
import type { Genotype } from './types.ts';
import type { LoadedSpace } from './load.ts';
import type { CellSpace } from './cell.ts';
import { canonicalCell } from './cell.ts';
import { canonicalTabular } from './tabular-cell.ts';
import { canonicalBlock, toNnBlocks } from './block.ts';
import { buildSegmentationNetwork, buildSegmentationSupernet } from './seg-build.ts';
import type { BuildOptions } from './build-options.ts';

export function buildNetwork(space: LoadedSpace, genotype: Genotype, o: BuildOptions = {}): Network {
  const task = o.task ?? space.def.task;
  const classes = o.classes ?? space.def.input.classes;
  const inShape = o.inShape ?? [...space.def.input.shape];
  const rng = o.rng ?? createRng(0);
  if (space.def.segmentation && space.family !== 'tabular-cell') return buildSegmentationNetwork(space, genotype, { ...o, task, classes, inShape, rng });
  switch (space.family) {
    case 'cell': {
      const g = canonicalCell(space.validate(genotype));
      const { C, layers, auxiliary } = space.def.network;
      return buildCellNetwork(g, { C, layers, auxiliary, task, classes, inShape }, rng);
    }
    case 'tabular-cell': {
      const g = canonicalTabular(space.validate(genotype));
      const { C, cellsPerStage } = space.def.network;
      return buildNb201Network(g, { C, cellsPerStage, task, classes, inShape }, rng);
    }
    case 'block': {
      const { stem, stages, windowSize } = space.def;
      return buildBlockNetwork(toNnBlocks(canonicalBlock(space.validate(genotype))), {
        task, classes, inShape, stemChannels: stem.width, stemStride: stem.stride, stageStrides: stages.map((s) => s.stride), windowSize,
      }, rng);
    }
  }
}

/**
 * The DARTS over-parameterised network of a cell space: every edge mixes all the space's ops, at
 * the definition's `supernet` size (its `network` size when it gives none); `edges` chooses
 * partial channels and the auxiliary skip (search/nn/supernet-edges.ts).
 */
export function buildSupernet(space: CellSpace, o: BuildOptions & { edges?: SupernetEdgeOptions } = {}): Network {
  if (space.def.segmentation) return buildSegmentationSupernet(space, o);
  const { C, layers } = space.def.supernet ?? space.def.network;
  const ops = [...space.def.cell.ops];
  return buildDartsSupernet(ops, C, layers, space.def.cell.nodes, {
    task: o.task ?? space.def.task,
    classes: o.classes ?? space.def.input.classes,
    inShape: o.inShape ?? [...space.def.input.shape],
    edgeFactory: supernetEdgeFactory(ops, o.edges),
    affine: o.edges?.standaloneOps,
  }, o.rng ?? createRng(0));
}
