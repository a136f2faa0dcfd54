/**
 * The supernet driver for Once-for-All training (`--strategy ofa`): trains the elastic supernet of
 * a block space with progressive shrinking (strategies/ofa/) and stores what it reports. The
 * trained supernet is what `--evaluator oneshot:RUN` and `cellscape specialise` inherit from.
 */
import { z } from 'zod';
import type { BlockSpace } from '../../space/block.ts';
import { elasticSpec } from '../../space/elastic.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { DEFAULT_OFA_CONFIG as D, OFA_PHASES, ofaConfigSchema, type OfaConfig } from '../../strategies/ofa/config.ts';
import { trainOfa } from '../../strategies/ofa/run.ts';
import { UsageError } from '../../util/errors.ts';
import { storeSink } from '../sink.ts';
import { DATA_PARALLEL_HELP, pathTrainingConfig, pathTrainingDriver, pathTrainingFlags } from './path-training.ts';

const flagsSchema = z.strictObject({
  ...pathTrainingFlags(D),
  'phase-epochs': z.string().default(D.phaseEpochs.join(',')),
  sandwich: z.boolean().optional(),
});

const HELP = `  a classification block space (conv, mbconv, attention); --dataset (default ${D.dataset})  --data-dir DIR
  --phase-epochs L,K,D,W  epochs of each progressive-shrinking phase (default ${D.phaseEpochs.join(',')}): the largest
                     network alone (MBConv at the largest of everything), then elastic kernel, then depth, then
                     expansion and width, each layer's operation drawn from the kernel phase on
  --sandwich         of every 4 steps train the largest network, the phase's smallest and two random subnets
  --train-images N (${D.trainImages})  --batch-size B (${D.batchSize})
  --lr LR --min-lr LR (momentum SGD, one cosine over all phases; ${D.learningRate} to ${D.minLearningRate})  --warmup F (${D.warmupFraction})
  --weight-decay W (${D.weightDecay})  --augment
  --subnets K        subnets scored after each epoch (the largest network, the smallest, random ones; default ${D.subnets})
  --calibration-images N --val-images N   their batch-norm recalibration and scored images (${D.calibrationImages}, ${D.valImages})
${DATA_PARALLEL_HELP}
  Then: cellscape search --evaluator oneshot:RUN, or cellscape specialise --supernet RUN --latency-ms a,b,c`;

function phaseEpochs(value: string): number[] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== OFA_PHASES.length || parts.some((p) => !Number.isInteger(p) || p < 0) || parts.every((p) => p === 0)) {
    throw new UsageError(`--phase-epochs '${value}': expected ${OFA_PHASES.length} whole numbers of epochs (${OFA_PHASES.join(', ')}), not all 0`);
  }
  return parts;
}

function spaceOf(path: string): BlockSpace {
  const space = loadSpace(resolveSpacePath(path));
  if (space.family !== 'block') throw new UsageError(`ofa trains block spaces; '${path}' is a ${space.family} space (cell spaces: --strategy spos)`);
  elasticSpec(space);
  return space;
}

export const ofaDriver = pathTrainingDriver<OfaConfig, typeof flagsSchema>({
  kind: 'ofa',
  flags: flagsSchema,
  booleans: ['augment', 'sandwich'],
  help: HELP,
  configSchema: ofaConfigSchema,
  spaceOf,
  configOf: (spacePath, common, f) => {
    const phases = phaseEpochs(f['phase-epochs']);
    return { ...D, space: spacePath, ...pathTrainingConfig(common, D, f), phaseEpochs: phases, epochs: phases.reduce((a, b) => a + b, 0), sandwich: f.sandwich ?? false };
  },
  summary: (c, backend) => `Once-for-All supernet, phases ${OFA_PHASES.map((p, i) => `${p} ${c.phaseEpochs[i]}`).join(', ')} epochs x ${c.trainImages} images on ${c.dataset} (${backend})${c.dataParallel > 1 ? ` on ${c.dataParallel} workers` : ''}${c.sandwich ? ', sandwich rule' : ''}, seed ${c.seed}`,
  train: (s, hooks) => trainOfa({ config: s.config, space: s.space as unknown as BlockSpace, state: s.state, checkpointDir: s.checkpointDir, sink: storeSink(s.store, s.run.id) }, hooks),
  scored: 'watched',
  next: (c, runId, db) => `judge candidates with it: cellscape search --space ${c.space} --evaluator oneshot:${runId}${db}; or cellscape specialise --supernet ${runId} --latency-ms A,B${db}`,
});
