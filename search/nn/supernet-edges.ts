/**
 * The edges of a DARTS supernet: a MixedOp over the space's operations, on 1/K of the channels
 * (PC-DARTS) when `partialChannels` K > 1, with DARTS-'s auxiliary skip around it when asked.
 */
import type { EdgeFactory, WeightedLayer } from './cell.ts';
import { MixedOp } from './darts.ts';
import { PartialChannelMixedOp } from './partial-channel.ts';
import { AuxiliarySkipEdge } from './auxiliary-skip.ts';

export interface SupernetEdgeOptions {
  /** K: the share 1/K of an edge's channels that goes through the mixed operation (1: all). */
  partialChannels?: number;
  auxiliarySkip?: boolean;
  /** Candidate ops as a genotype's network builds them (buildSupernetCandidate `standalone`). */
  standaloneOps?: boolean;
}

export function supernetEdgeFactory(ops: string[], o: SupernetEdgeOptions = {}): EdgeFactory {
  const k = o.partialChannels ?? 1;
  return (e, rng) => {
    // Window attention shifts its windows in every other cell, as in a genotype network.
    const shift = e.cell % 2 === 1;
    const s = o.standaloneOps ?? false;
    const mixed: WeightedLayer = k > 1 ? new PartialChannelMixedOp(ops, e.C, e.stride, k, rng, shift, s) : new MixedOp(ops, e.C, e.stride, rng, shift, s);
    return o.auxiliarySkip ? new AuxiliarySkipEdge(mixed, e.C, e.stride, rng) : mixed;
  };
}
