/**
 * The network a genotype of a loaded space trains in, at a data set's input shape and classes.
 * (search/space/build.ts is to take this over once it exists; until then the nn builders are
 * called directly. Block spaces have no network builder yet.)
 */
import type { LoadedSpace } from '../space/load.ts';
import type { CellGenotype, Genotype, TabularCellGenotype } from '../space/types.ts';
import type { Shape } from '../nn/module.ts';
import type { Network } from '../nn/network.ts';
import { buildCellNetwork } from '../nn/darts.ts';
import { buildNb201Network } from '../nn/nb201.ts';
import type { Rng } from '../util/rng.ts';

export interface BuildTarget { inShape: Shape; classes: number }

export function buildGenotypeNetwork(space: LoadedSpace, genotype: Genotype, target: BuildTarget, rng: Rng): Network {
  const { def } = space;
  switch (def.family) {
    case 'cell':
      return buildCellNetwork(genotype as CellGenotype, {
        C: def.network.C, layers: def.network.layers, auxiliary: def.network.auxiliary,
        classes: target.classes, inShape: target.inShape, task: def.task,
      }, rng);
    case 'tabular-cell':
      return buildNb201Network(genotype as TabularCellGenotype, {
        C: def.network.C, cellsPerStage: def.network.cellsPerStage,
        classes: target.classes, inShape: target.inShape, task: def.task,
      }, rng);
    case 'block':
      throw new Error(`space '${space.name}': block-family networks have no builder yet`);
  }
}

/** The space's own input: the shape and classes its definition declares. */
export function spaceTarget(space: LoadedSpace): BuildTarget {
  return { inShape: [...space.def.input.shape], classes: space.def.input.classes };
}
