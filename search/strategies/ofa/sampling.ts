/**
 * The subnet a Once-for-All supernet trains at each step, a function of (seed, step, phase) alone
 * so that a resumed run trains exactly the subnets it would have trained had it never stopped.
 */
import { deriveRng } from '../../data/seeds.ts';
import type { BlockSpace } from '../../space/block.ts';
import type { BlockOpChoice } from '../../space/schema.ts';
import type { BlockGenotype, BlockLayer } from '../../space/types.ts';
import type { Rng } from '../../util/rng.ts';
import { OFA_PHASES, type OfaConfig, type OfaPhase } from './config.ts';

/** Stream tag of the subnet draws (apart from the data streams of data/seeds.ts and SPOS's). */
const OFA_STREAM = 111;

type Dimension = 'kernel' | 'depth' | 'expand' | 'width';
/** The dimensions a phase samples; the others stay at their largest. The first phase trains one network (largestSubnet). */
const ELASTIC: Record<Exclude<OfaPhase, 'largest'>, Dimension[]> = {
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

/**
 * OFA's largest network, the only one its first phase trains (Cai et al. 2020 train it alone
 * before any elastic phase: largest kernel, expansion, depth and width): every stage at its
 * largest depth and width, every layer its stage's MBConv, OFA's only operation, at the largest
 * kernel and expansion. A stage without MBConv takes its conv at the largest kernel, else its
 * first kind of attention. Drawing the operation of each layer here instead (as this phase did
 * before) left the phase at chance: its paths share little at the start
 * (bench/data/supernet-paths.md), where one network selected every step learns as it does alone.
 */
export function largestSubnet(space: BlockSpace): BlockGenotype {
  return {
    stages: space.def.stages.map((sd, s) => {
      const depth = Math.max(...sd.depth);
      const layer = largestLayer(sd.ops, Math.max(...space.widths[s]));
      return { depth, layers: Array.from({ length: depth }, () => ({ ...layer })) };
    }),
  };
}

function largestLayer(ops: readonly BlockOpChoice[], width: number): BlockLayer {
  for (const c of ops) if (c.op === 'mbconv') return { op: 'mbconv', kernel: Math.max(...c.kernel), expand: Math.max(...c.expand), width };
  for (const c of ops) if (c.op === 'conv') return { op: 'conv', kernel: Math.max(...c.kernel), width };
  for (const c of ops) if (c.op === 'attention') return { op: 'attention', attention: c.kind[0], width };
  throw new Error(`a Once-for-All supernet holds no '${ops[0]?.op}'`);
}

/**
 * A subnet of the phase: the largest network in the first phase and for the sandwich rule's
 * largest pick; otherwise the operation of each layer is drawn (a choice, not an elastic
 * dimension) and the phase's elastic dimensions are drawn or at their smallest.
 */
export function elasticSubnet(space: BlockSpace, phase: OfaPhase, pick: SubnetPick, rng: Rng): BlockGenotype {
  if (phase === 'largest' || pick === 'largest') return largestSubnet(space);
  const elastic = new Set(ELASTIC[phase]);
  const choose = (values: readonly number[], d: Dimension): number => {
    if (!elastic.has(d)) return Math.max(...values);
    return pick === 'random' ? rng.pick(values) : Math.min(...values);
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

/** The subnet of a step; with the sandwich rule, steps 4k and 4k+1 train the largest network and the phase's smallest subnet. */
export function subnetAt(space: BlockSpace, c: Pick<OfaConfig, 'seed' | 'sandwich' | 'phaseEpochs'>, step: number, epoch: number): BlockGenotype {
  const pick: SubnetPick = !c.sandwich ? 'random' : step % 4 === 0 ? 'largest' : step % 4 === 1 ? 'smallest' : 'random';
  return elasticSubnet(space, phaseOf(c, epoch), pick, deriveRng(c.seed, OFA_STREAM, step));
}

/** The subnets scored after every epoch: the largest network, the smallest and random ones of the whole space, the same each time. */
export function watchedElastic(space: BlockSpace, c: Pick<OfaConfig, 'seed' | 'subnets'>): BlockGenotype[] {
  const rng = deriveRng(c.seed, OFA_STREAM, -1);
  const ends = [elasticSubnet(space, 'width', 'largest', rng), elasticSubnet(space, 'width', 'smallest', rng)];
  return Array.from({ length: c.subnets }, (_, i) => ends[i] ?? space.sample(rng));
}
