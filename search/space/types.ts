/**
 * The contract between search spaces and everything that uses them (strategies, evaluators,
 * store, explorer, export). Genotypes are plain JSON so that they cross worker threads,
 * queues and the database unchanged.
 */
import type { Rng } from '../util/rng.ts';

/** One edge of a DARTS cell: an operation applied to an input (0, 1 = the two previous cells; 2.. = earlier nodes). */
export type CellEdge = [op: string, input: number];

/** A cell genotype in the notation of the DARTS code base, so that published genotypes paste in. */
/** Spaces that declare input resolutions (SpaceDef.resolution): the side images are resized to; absent, the data set's own. */
export interface ResolutionChoice {
  resolution?: number;
}

export interface CellGenotype extends ResolutionChoice {
  normal: CellEdge[];
  normal_concat: number[];
  reduce: CellEdge[];
  reduce_concat: number[];
  /** Segmentation spaces only (see SegmentationChoice). */
  head?: SegmentationChoice['head'];
  spatialPath?: boolean;
  outputStride?: SegmentationChoice['outputStride'];
  contextPath?: SegmentationChoice['contextPath'];
}

/**
 * What a genotype of a segmentation space chooses besides its cells or blocks: the head, and
 * whether a BiSeNet-style spatial path runs beside the backbone. Optional, so that genotypes of
 * other spaces are unchanged; missing means the space's first choice.
 */
export interface SegmentationChoice {
  head?: 'ppm' | 'fpn' | 'upsample' | 'upernet' | 'pup' | 'mask';
  spatialPath?: boolean;
  /** Block spaces: the stride of the deepest features (8, 16 or 32); later stages dilate instead of striding. */
  outputStride?: 8 | 16 | 32;
  /** With a spatial path: 'resize' (context levels resized and concatenated) or 'arm' (BiSeNet's attention refinement). */
  contextPath?: 'resize' | 'arm';
}

/** A NAS-Bench-201 style cell: ops[i] lists, for node i+1, the op on the edge from each earlier node j (0..i). */
export interface TabularCellGenotype {
  nodes: string[][];
}

export interface BlockLayer {
  op: string;          // e.g. 'conv', 'mbconv', 'attention'
  kernel?: number;
  expand?: number;
  attention?: 'window' | 'global';  // for op 'attention'
  width: number;       // output channels
}

export interface BlockGenotype extends ResolutionChoice {
  /** layers may list more than depth entries: those beyond depth are inactive (kept so a depth mutation can revive them). */
  stages: { depth: number; layers: BlockLayer[] }[];
  /** Segmentation spaces only (see SegmentationChoice). */
  head?: SegmentationChoice['head'];
  spatialPath?: boolean;
  outputStride?: SegmentationChoice['outputStride'];
  contextPath?: SegmentationChoice['contextPath'];
}

export type Genotype = CellGenotype | TabularCellGenotype | BlockGenotype;

export type SpaceFamily = 'cell' | 'tabular-cell' | 'block';

/** What a strategy needs of a space. Pure functions of their inputs and the generator. */
export interface Space<G extends Genotype = Genotype> {
  readonly name: string;
  readonly family: SpaceFamily;
  /** Hash of the canonical definition, recorded with every run. */
  readonly hash: string;
  sample(rng: Rng): G;
  /**
   * A random genotype drawn towards one end of the space's cost: `level` 0 its cheapest choices,
   * 1 its dearest (a cell space: each edge parameterised with probability `level`). Optional: a
   * strategy that spreads its first population over cost samples uniformly where it is absent.
   */
  sampleAtCost?(rng: Rng, level: number): G;
  mutate(g: G, rng: Rng): G;
  crossover(a: G, b: G, rng: Rng): G;
  /** Canonical key: two genotypes that build the same network share it. */
  key(g: G): string;
  /** A human-readable one- or few-line description. */
  describe(g: G): string;
  /** Throws an error naming the bad field (and source, e.g. the file, when given) when g is not a genotype of this space. */
  validate(g: unknown, source?: string): G;
}
