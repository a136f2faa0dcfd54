/**
 * A cell space's single-path one-shot supernet (search/nn/single-path.ts) and the path a genotype
 * takes through it: genotype edge (op, input) of node n is supernet edge n(n+3)/2 + input, which
 * runs op. The genotype is not canonicalised: weights belong to supernet edges, so isomorphic
 * genotypes that number their nodes differently are different subnets of the supernet.
 */
import { buildDartsSupernet } from '../nn/darts.ts';
import type { Network } from '../nn/network.ts';
import { SinglePathOp, type SupernetPath } from '../nn/single-path.ts';
import { createRng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import type { BuildOptions } from './build-options.ts';
import { CELL_HALVES, type CellSpace } from './cell.ts';
import type { CellEdge, CellGenotype } from './types.ts';

/** Channels and cells of the one-shot supernet: the definition's supernet size, else its network size. */
export function oneShotSize(space: CellSpace): { C: number; layers: number } {
  const { C, layers } = space.def.supernet ?? space.def.network;
  return { C, layers };
}

export function buildOneShotSupernet(space: CellSpace, o: BuildOptions = {}): Network {
  if (space.def.task !== 'classification') throw new UsageError(`one-shot supernets are built for classification cell spaces; '${space.name}' is a ${space.def.task} space`);
  const ops = [...space.def.cell.ops];
  const { C, layers } = oneShotSize(space);
  return buildDartsSupernet(ops, C, layers, space.def.cell.nodes, {
    classes: o.classes ?? space.def.input.classes,
    inShape: o.inShape ?? [...space.def.input.shape],
    edgeFactory: (e, r) => new SinglePathOp(ops, e.C, e.stride, r, e.cell % 2 === 1),
  }, o.rng ?? createRng(0));
}

function halfPath(edges: readonly CellEdge[], ops: readonly string[], nodes: number): number[][] {
  const rows = Array.from({ length: (nodes * (nodes + 3)) / 2 }, () => ops.map(() => 0));
  edges.forEach(([op, input], e) => {
    const node = Math.floor(e / 2);
    rows[(node * (node + 3)) / 2 + input][ops.indexOf(op)]++;
  });
  return rows;
}

/** The path of a (validated) genotype. The concat is not part of it: a sampled genotype concatenates every node, as the supernet does. */
export function pathOf(space: CellSpace, g: CellGenotype): SupernetPath {
  const ops = space.def.cell.ops, nodes = space.def.cell.nodes;
  const full = Array.from({ length: nodes }, (_, i) => i + 2).join();
  for (const half of CELL_HALVES) {
    if (g[`${half}_concat`].join() !== full) throw new UsageError(`a one-shot supernet concatenates every node; the genotype's ${half}_concat is [${g[`${half}_concat`].join(', ')}]`);
  }
  return { normal: halfPath(g.normal, ops, nodes), reduce: halfPath(g.reduce, ops, nodes) };
}
