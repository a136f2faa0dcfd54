/**
 * A genotype as a fixed-length vector for the performance predictor: for cells, the adjacency of
 * each node to its inputs with a one-hot of the operation on each edge (the "adjacency + one-hot
 * operations" encoding of White et al., "A Study on Encodings for Neural Architecture Search",
 * 2020; BANANAS's path encoding is not offered); for blocks, each layer slot's choices (active, one-hot operation, kernel,
 * expansion, width, attention kind); for segmentation spaces, the head, spatial path, and output
 * stride and context path where searched, too.
 */
import type { LoadedSpace } from '../../space/load.ts';
import type { BlockSpace } from '../../space/block.ts';
import type { CellSpace } from '../../space/cell.ts';
import { segmentationChoice } from '../../space/segmentation.ts';
import type { BlockGenotype, CellGenotype, Genotype, SegmentationChoice, TabularCellGenotype } from '../../space/types.ts';

export type Encoder = (g: Genotype) => number[];

const oneHot = (value: string | number | undefined, choices: readonly (string | number)[]): number[] => choices.map((c) => (c === value ? 1 : 0));

/** NB-201 style: every edge j -> i of the fixed DAG, one-hot over the operations ('none' is no edge). */
function tabularEncoder(ops: readonly string[]): Encoder {
  return (g) => (g as TabularCellGenotype).nodes.flatMap((inputs) => inputs.flatMap((op) => oneHot(op, ops)));
}

/** DARTS cells: for each cell type, node and possible input, how many of the node's edges come from it by each operation. */
function cellEncoder(ops: readonly string[], nodes: number): Encoder {
  const half = (edges: CellGenotype['normal']): number[] => {
    const out: number[] = [];
    for (let k = 0; k < nodes; k++) {
      const mine = edges.slice(2 * k, 2 * k + 2);
      for (let input = 0; input < k + 2; input++) for (const op of ops) out.push(mine.filter(([o, i]) => o === op && i === input).length);
    }
    return out;
  };
  return (g) => { const c = g as CellGenotype; return [...half(c.normal), ...half(c.reduce)]; };
}

interface StageChoices { depth: number; ops: string[]; widths: number[]; kernel: number; expand: number }

/** Blocks: per stage, each layer slot up to its deepest choice: active, operation, kernel and expansion (scaled), width (one-hot), attention kind. */
function blockEncoder(stages: StageChoices[]): Encoder {
  return (g) => (g as BlockGenotype).stages.flatMap((stage, s) => {
    const c = stages[s];
    const out: number[] = [];
    for (let l = 0; l < c.depth; l++) {
      const layer = l < stage.depth ? stage.layers[l] : undefined;
      if (!layer) { out.push(0, ...c.ops.map(() => 0), 0, 0, ...c.widths.map(() => 0), 0); continue; }
      out.push(1, ...oneHot(layer.op, c.ops), (layer.kernel ?? 0) / c.kernel, (layer.expand ?? 0) / c.expand, ...oneHot(layer.width, c.widths), layer.attention === 'global' ? 1 : 0);
    }
    return out;
  });
}

export function encoderFor(space: LoadedSpace): Encoder {
  let body: Encoder;
  switch (space.family) {
    case 'tabular-cell': body = tabularEncoder(space.def.cell.ops); break;
    case 'cell': body = cellEncoder(space.def.cell.ops, space.def.cell.nodes); break;
    case 'block': body = blockEncoder(space.def.stages.map((st, s) => ({
      depth: Math.max(...st.depth), ops: st.ops.map((o) => o.op), widths: space.widths[s],
      kernel: Math.max(1, ...st.ops.flatMap((o) => ('kernel' in o && o.kernel ? o.kernel : []))),
      expand: Math.max(1, ...st.ops.flatMap((o) => ('expand' in o && o.expand ? o.expand : []))),
    })));
  }
  const seg = space.def.segmentation;
  if (!seg || space.family === 'tabular-cell') return body;
  // A genotype without a head or spatial path has the space's first choice (types.ts); output
  // stride and context path are encoded where the space searches them.
  const searched = (['outputStride', 'contextPath'] as const).filter((f) => seg[f].length > 1);
  return (g) => {
    const s = g as { head?: string; spatialPath?: boolean };
    const c = segmentationChoice(space as CellSpace | BlockSpace, g as SegmentationChoice);
    return [...body(g), ...oneHot(s.head ?? seg.heads[0], seg.heads), (s.spatialPath ?? seg.spatialPath[0]) ? 1 : 0,
      ...searched.flatMap((f) => oneHot(c[f], seg[f]))];
  };
}
