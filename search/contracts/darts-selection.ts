/**
 * What a DARTS run's perturbation selection (DARTS-PT, Zero-Cost-PT: strategies/darts/pt.ts) stores
 * for readers (the explorer's DARTS view): one 'darts-selection' event a move, with each cell type's
 * decision and what the supernet scored without each candidate, and a last 'darts-selected' event
 * with the genotype. A run of `--epochs 0` stores nothing else (no epoch, no alpha snapshot), so
 * these events are the whole of its search.
 */
import { z } from 'zod';

export const DARTS_SELECTION_EVENT = 'darts-selection';
export const DARTS_SELECTED_EVENT = 'darts-selected';

/** A run config's `selection` as readers need it (the strategy's own schema, selectionSchema, is the writer's). */
export const ptSelectionSchema = z.object({
  kind: z.literal('pt'),
  /** The figure a move judges by: 'accuracy' (DARTS-PT) or a zero-cost proxy's name (Zero-Cost-PT). */
  criterion: z.string().default('accuracy'),
  valImages: z.int(),
  tuneSteps: z.int(),
});
export type PtSelection = z.infer<typeof ptSelectionSchema>;

/** The key under which a move notes a figure with each candidate removed: `accuracyWithout`, `jacob_covWithout`. */
export const withoutKey = (figure: string): string => `${figure}Without`;

/** An edge's move: the op kept, and per figure the supernet's score with each other candidate op masked. */
export const edgeMoveSchema = z.object({ edge: z.int().min(0), kept: z.string() }).catchall(z.record(z.string(), z.number()));
/** A node's move: the two input edges kept, and per figure one round per edge dropped, each scoring the supernet without each remaining input edge. */
export const nodeMoveSchema = z.object({ node: z.int().min(0), kept: z.array(z.int().min(0)) }).catchall(z.array(z.record(z.string(), z.number())));

export const selectionMoveSchema = z.object({
  move: z.int().min(0),
  normal: z.union([edgeMoveSchema, nodeMoveSchema]),
  reduce: z.union([edgeMoveSchema, nodeMoveSchema]),
});

export const selectedSchema = z.object({
  genotype: z.object({ normal: z.array(z.tuple([z.string(), z.int()])), reduce: z.array(z.tuple([z.string(), z.int()])) }).passthrough(),
  /** The normal cell's parameter-free edges, as the collapse warning counts them. */
  collapse: z.object({ parameterFree: z.int(), edges: z.int() }).passthrough().optional(),
});
