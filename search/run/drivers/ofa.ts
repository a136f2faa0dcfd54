/**
 * The supernet driver for Once-for-All training (`--strategy ofa`): trains the elastic supernet of
 * a block space with progressive shrinking (strategies/ofa/) and stores what it reports. The
 * trained supernet is what `--evaluator oneshot:RUN` and `cellscape specialise` inherit from.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../../backend/index.ts';
import { DEFAULT_HEARTBEAT_MS } from '../../executor/pool.ts';
import type { BlockSpace } from '../../space/block.ts';
import { elasticSpec } from '../../space/elastic.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import type { SposState } from '../../strategies/one-shot/config.ts';
import { sposStateSchema } from '../../strategies/one-shot/config.ts';
import { DEFAULT_OFA_CONFIG as D, OFA_PHASES, ofaConfigSchema, type OfaConfig } from '../../strategies/ofa/config.ts';
import { trainOfa } from '../../strategies/ofa/run.ts';
import { UsageError } from '../../util/errors.ts';
import type { RunDriver } from '../driver.ts';
import { chooseBackend } from '../record.ts';
import { storeSink } from '../sink.ts';
import { reopenAtEpoch } from './epoch-reopen.ts';
import { configError, pathTrainingConfig, pathTrainingFlags } from './spos.ts';

const flagsSchema = z.strictObject({
  ...pathTrainingFlags(D),
  'phase-epochs': z.string().default(D.phaseEpochs.join(',')),
  sandwich: z.boolean().optional(),
});

const HELP = `  a classification block space (conv, mbconv, attention); --dataset (default ${D.dataset})  --data-dir DIR
  --phase-epochs L,K,D,W  epochs of each progressive-shrinking phase (default ${D.phaseEpochs.join(',')}): the largest
                     subnets (only the operation varies), then elastic kernel, then depth, then expansion and width
  --sandwich         of every 4 steps train the phase's largest, its smallest and two random subnets
  --train-images N (${D.trainImages})  --batch-size B (${D.batchSize})
  --lr LR --min-lr LR (momentum SGD, one cosine over all phases; ${D.learningRate} to ${D.minLearningRate})  --warmup F (${D.warmupFraction})
  --weight-decay W (${D.weightDecay})  --augment
  --subnets K        subnets scored after each epoch (the largest, the smallest, random ones; default ${D.subnets})
  --calibration-images N --val-images N   their batch-norm recalibration and scored images (${D.calibrationImages}, ${D.valImages})
  Then: cellscape search --evaluator oneshot:RUN, or cellscape specialise --supernet RUN --latency-ms a,b,c`;

type Flags = z.output<typeof flagsSchema>;

function phaseEpochs(value: string): number[] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== OFA_PHASES.length || parts.some((p) => !Number.isInteger(p) || p < 0) || parts.every((p) => p === 0)) {
    throw new UsageError(`--phase-epochs '${value}': expected ${OFA_PHASES.length} whole numbers of epochs (${OFA_PHASES.join(', ')}), not all 0`);
  }
  return parts;
}

function configOf(spacePath: string, common: { dataset?: string; seed: number; backend?: string }, f: Flags): OfaConfig {
  const phases = phaseEpochs(f['phase-epochs']);
  const config = { ...D, space: spacePath, ...pathTrainingConfig(common, D, f), phaseEpochs: phases, epochs: phases.reduce((a, b) => a + b, 0), sandwich: f.sandwich ?? false };
  const parsed = ofaConfigSchema.safeParse(config);
  if (!parsed.success) throw configError('ofa', config.dataset, parsed.error.issues[0]);
  return parsed.data;
}

function spaceOf(path: string): BlockSpace {
  const space = loadSpace(resolveSpacePath(path));
  if (space.family !== 'block') throw new UsageError(`ofa trains block spaces; '${path}' is a ${space.family} space (cell spaces: --strategy spos)`);
  elasticSpec(space);
  return space;
}

export const ofaDriver: RunDriver<OfaConfig, SposState, typeof flagsSchema> = {
  flags: flagsSchema,
  booleans: ['augment', 'sandwich'],
  help: HELP,
  configSchema: ofaConfigSchema,
  stateSchema: sposStateSchema,

  async plan(_strategy, common, own) {
    const spacePath = resolve(common.space);
    const space = spaceOf(spacePath);
    const config = configOf(spacePath, common, own);
    const backend = await chooseBackend(config.backend);
    return {
      config, space, dataset: config.dataset, backend, workers: 1,
      summary: `Once-for-All supernet, phases ${OFA_PHASES.map((p, i) => `${p} ${config.phaseEpochs[i]}`).join(', ')} epochs x ${config.trainImages} images on ${config.dataset} (${backend})${config.sandwich ? ', sandwich rule' : ''}, seed ${config.seed}`,
    };
  },

  async reopen({ run, config, state }) {
    return reopenAtEpoch('ofa', run, config, state, spaceOf(config.space));
  },

  // The supernet trains in this process; nothing goes to an executor.
  executorNeeds: () => ({
    workers: 1, heartbeatMs: DEFAULT_HEARTBEAT_MS, maxMemoryMb: null, inFlight: 1, maxAttempts: 1, evaluator: { kind: 'proxy' }, latency: { runtime: 'none', warmup: 0, repeats: 1 },
  }),

  async drive(s) {
    const { store, run, config: c } = s;
    await initBackend({ backend: run.backend });
    try {
      const end = await trainOfa({ config: c, space: s.space as unknown as BlockSpace, state: s.state, checkpointDir: s.checkpointDir, sink: storeSink(store, run.id) },
        { progress: s.progress, signal: s.signal, log: s.log });
      const status = end.status === 'stopped' ? 'stopped' : 'finished';
      store.updateRunStatus(run.id, status);
      return { status };
    } catch (err) {
      store.updateRunStatus(run.id, 'failed', (err as Error).message);
      throw err;
    }
  },

  report({ store, run, config }, end, out) {
    const last = store.listEpochs(run.id, null).at(-1);
    const scored = last?.valAccuracy == null ? '' : `, watched subnets' mean validation accuracy ${(100 * last.valAccuracy).toFixed(1)}%`;
    out(`run ${run.id} ${end.status}${last ? `: ${last.epoch + 1} epochs${scored}` : ''}`);
    const db = store.path === 'runs.db' ? '' : ` --db ${store.path}`;
    if (end.status === 'finished') out(`judge candidates with it: cellscape search --space ${config.space} --evaluator oneshot:${run.id}${db}; or cellscape specialise --supernet ${run.id} --latency-ms A,B${db}`);
  },
};
