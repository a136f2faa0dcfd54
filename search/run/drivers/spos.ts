/**
 * The supernet driver for single-path one-shot training (`--strategy spos`): trains the weight-
 * sharing supernet of a cell space (strategies/one-shot/run.ts) and stores what it reports. The
 * trained supernet is what `--evaluator oneshot:RUN` inherits weights from; no genotype is derived.
 */
import { z } from 'zod';
import type { CellSpace } from '../../space/cell.ts';
import { DEFAULT_SPOS_CONFIG as D, SAMPLINGS, sposConfigSchema, type SposConfig } from '../../strategies/one-shot/config.ts';
import { trainSpos } from '../../strategies/one-shot/run.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { UsageError } from '../../util/errors.ts';
import { storeSink } from '../sink.ts';
import { DATA_PARALLEL_HELP, pathTrainingConfig, pathTrainingDriver, pathTrainingFlags } from './path-training.ts';

const int = (min: number) => z.coerce.number().int().min(min);

const flagsSchema = z.strictObject({
  ...pathTrainingFlags(D),
  epochs: int(1).default(D.epochs),
  sampling: z.enum(SAMPLINGS).default(D.sampling),
});

const HELP = `  a classification cell space; --dataset (default ${D.dataset})  --data-dir DIR
  --epochs E (default ${D.epochs})  --train-images N (${D.trainImages})  --batch-size B (${D.batchSize})
  --lr LR --min-lr LR (momentum SGD, cosine; ${D.learningRate} to ${D.minLearningRate})  --warmup F (linear over that share of the steps; ${D.warmupFraction})
  --weight-decay W (${D.weightDecay})  --augment
  --sampling uniform|fair   one path a step: drawn uniformly (SPOS), or each edge's op by a fresh
                     permutation every m steps, so that every op is trained equally often (FairNAS)
  --subnets K        subnets scored after each epoch, for the training curve (default ${D.subnets})
  --calibration-images N --val-images N   their batch-norm recalibration and scored images (${D.calibrationImages}, ${D.valImages})
${DATA_PARALLEL_HELP}
  The trained supernet then judges candidates: cellscape search --evaluator oneshot:RUN`;

function spaceOf(path: string): CellSpace {
  const space = loadSpace(resolveSpacePath(path));
  if (space.family !== 'cell') throw new UsageError(`spos trains cell spaces; '${path}' is a ${space.family} space`);
  if (space.def.task !== 'classification') throw new UsageError(`spos trains classification cell spaces; '${space.name}' is a ${space.def.task} space`);
  return space;
}

export const sposDriver = pathTrainingDriver<SposConfig, typeof flagsSchema>({
  kind: 'spos',
  flags: flagsSchema,
  booleans: ['augment'],
  help: HELP,
  configSchema: sposConfigSchema,
  spaceOf,
  configOf: (spacePath, common, f) => ({ ...D, space: spacePath, ...pathTrainingConfig(common, D, f), epochs: f.epochs, sampling: f.sampling }),
  summary: (c, backend) => `spos supernet, ${c.epochs} epochs x ${c.trainImages} images on ${c.dataset} (${backend})${c.dataParallel > 1 ? ` on ${c.dataParallel} workers` : ''}, ${c.sampling} sampling, seed ${c.seed}`,
  train: (s, hooks) => trainSpos({ config: s.config, space: s.space as unknown as CellSpace, state: s.state, checkpointDir: s.checkpointDir, sink: storeSink(s.store, s.run.id) }, hooks),
  scored: 'sampled',
  next: (_c, runId, db) => `judge candidates with it: cellscape search --evaluator oneshot:${runId}${db}`,
});
