/**
 * Once-for-All supernet training: the elastic supernet of a block space (nn/elastic-block.ts)
 * trained by the single-path trainer (strategies/one-shot/run.ts), each step on one subnet of the
 * current progressive-shrinking phase (sampling.ts). One learning-rate schedule spans the phases
 * (OFA restarts a lower rate per phase): so a killed run resumes from any epoch's checkpoint with
 * the ordinary loop's own resume, and the few epochs a CPU affords are not spent on warm-ups.
 */
import { scoreElasticSubnet } from '../../evaluate/one-shot-score.ts';
import type { ElasticBlockNetwork } from '../../nn/elastic-block.ts';
import type { BlockSpace } from '../../space/block.ts';
import { buildElasticSupernet, selectSubnet } from '../../space/elastic.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import type { BlockGenotype } from '../../space/types.ts';
import { createRng } from '../../util/rng.ts';
import type { SupernetSink } from '../supernet.ts';
import type { PathState } from '../one-shot/path-config.ts';
import { pathReplica } from '../one-shot/parallel.ts';
import { trainPaths, type PathTrainer, type SposEnd, type SposHooks } from '../one-shot/run.ts';
import type { OfaConfig } from './config.ts';
import { phaseOf, subnetAt, watchedElastic } from './sampling.ts';

export interface OfaTraining {
  config: OfaConfig;
  space: BlockSpace;
  state: PathState | null;
  checkpointDir: string;
  sink: SupernetSink<PathState>;
}

function ofaTrainer(c: OfaConfig, space: BlockSpace): PathTrainer<BlockGenotype> {
  return {
    kind: 'ofa', space,
    build: (inShape, classes) => buildElasticSupernet(space, { inShape, classes, rng: createRng(c.seed) }),
    selectStep: (net, step, stepsPerEpoch) => {
      const g = subnetAt(space, c, step, Math.floor(step / stepsPerEpoch));
      selectSubnet(net as ElasticBlockNetwork, g);
      // The key is the canonical genotype, which is what selectSubnet selects.
      return space.key(g);
    },
    watched: watchedElastic(space, c),
    score: (net, g, data) => scoreElasticSubnet(net as ElasticBlockNetwork, space, g, data),
    epochInfo: (epoch) => ({ label: `${phaseOf(c, epoch)} phase`, phase: phaseOf(c, epoch) }),
    replica: new URL(import.meta.url),
  };
}

export function trainOfa(o: OfaTraining, hooks: SposHooks<BlockGenotype> = {}): Promise<SposEnd<BlockGenotype>> {
  const c = o.config;
  return trainPaths(ofaTrainer(c, o.space), o, hooks, `phases ${c.phaseEpochs.join(',')} epochs${c.sandwich ? ', sandwich rule' : ''}`);
}

/** A data-parallel worker's elastic supernet (one-shot/parallel.ts). */
export const createReplica = pathReplica((c: OfaConfig) => ofaTrainer(c, loadSpace(resolveSpacePath(c.space)) as BlockSpace));
