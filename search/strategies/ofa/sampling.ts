/**
 * The subnet a Once-for-All supernet trains at each step, a function of (seed, step, phase) alone
 * so that a resumed run trains exactly the subnets it would have trained had it never stopped.
 */
import { deriveRng } from '../../data/seeds.ts';
import type { BlockSpace } from '../../space/block.ts';
import type { BlockGenotype, BlockLayer } from '../../space/types.ts';
import type { Rng } from '../../util/rng.ts';
import { OFA_PHASES, type OfaConfig, type OfaPhase } from './config.ts';

/** Stream tag of the subnet draws (apart from the data streams of data/seeds.ts and SPOS's). */
const OFA_STREAM = 111;

type Dimension = 'kernel' | 'depth' | 'expand' | 'width';
/** The dimensions a phase samples; the others stay at their largest. */
const ELASTIC: Record<OfaPhase, Dimension[]> = {
  largest: [],
  kernel: ['kernel'],
  depth: ['kernel', 'depth'],
  width: ['kernel', 'depth', 'expand', 'width'],
};

/** Which subnet of the phase's choices: a random one, or the largest or smallest (sandwich rule). */
export type SubnetPick = 'random' | 'largest' | 'smallest';

/** The phase an epoch trains. */
export function phaseOf(c: Pick<OfaConfig, 'phaseEpochs'>, epoch: number): OfaPhase {
  let end = 0;
  for (let p = 0; p < OFA_PHASES.length; p++) {
    end += c.phaseEpochs[p];
    if (epoch < end) return OFA_PHASES[p];
  }
  return OFA_PHASES[OFA_PHASES.length - 1];
}

/** A subnet of the phase. The operation of each layer is drawn in every case: it is a choice, not an elastic dimension. */
export function elasticSubnet(space: BlockSpace, phase: OfaPhase, pick: SubnetPick, rng: Rng): BlockGenotype {
  const elastic = new Set(ELASTIC[phase]);
  const choose = (values: readonly number[], d: Dimension): number => {
    if (elastic.has(d) && pick === 'random') return rng.pick(values);
    return elastic.has(d) && pick === 'smallest' ? Math.min(...values) : Math.max(...values);
  };
  return {
    stages: space.def.stages.map((sd, s) => {
      const width = choose(space.widths[s], 'width');
      const depth = choose(sd.depth, 'depth');
      const layers = Array.from({ length: Math.max(...sd.depth) }, (): BlockLayer => {
        const c = rng.pick(sd.ops);
        if (c.op === 'conv') return { op: 'conv', kernel: choose(c.kernel, 'kernel'), width };
        if (c.op === 'mbconv') return { op: 'mbconv', kernel: choose(c.kernel, 'kernel'), expand: choose(c.expand, 'expand'), width };
        if (c.op === 'attention') return { op: 'attention', attention: rng.pick(c.kind), width };
        throw new Error(`a Once-for-All supernet holds no '${c.op}'`);
      });
      return { depth, layers };
    }),
  };
}

/** The subnet of a step; with the sandwich rule, steps 4k and 4k+1 train the phase's largest and smallest. */
export function subnetAt(space: BlockSpace, c: Pick<OfaConfig, 'seed' | 'sandwich' | 'phaseEpochs'>, step: number, epoch: number): BlockGenotype {
  const pick: SubnetPick = !c.sandwich ? 'random' : step % 4 === 0 ? 'largest' : step % 4 === 1 ? 'smallest' : 'random';
  return elasticSubnet(space, phaseOf(c, epoch), pick, deriveRng(c.seed, OFA_STREAM, step));
}

/** The subnets scored after every epoch: the largest, the smallest and random ones of the whole space, the same each time. */
export function watchedElastic(space: BlockSpace, c: Pick<OfaConfig, 'seed' | 'subnets'>): BlockGenotype[] {
  const rng = deriveRng(c.seed, OFA_STREAM, -1);
  const ends = [elasticSubnet(space, 'width', 'largest', rng), elasticSubnet(space, 'width', 'smallest', rng)];
  return Array.from({ length: c.subnets }, (_, i) => ends[i] ?? space.sample(rng));
}
