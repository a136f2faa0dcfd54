/**
 * The supernet driver for single-path one-shot training (`--strategy spos`): trains the weight-
 * sharing supernet of a cell space (strategies/one-shot/run.ts) and stores what it reports. The
 * trained supernet is what `--evaluator oneshot:RUN` inherits weights from; no genotype is derived.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../../backend/index.ts';
import { DEFAULT_HEARTBEAT_MS } from '../../executor/pool.ts';
import type { CellSpace } from '../../space/cell.ts';
import { DEFAULT_SPOS_CONFIG as D, SAMPLINGS, sposConfigSchema, sposStateSchema, type SposConfig, type SposState } from '../../strategies/one-shot/config.ts';
import { trainSpos, type PathTrainingConfig, type SposEnd, type SposHooks } from '../../strategies/one-shot/run.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { UsageError } from '../../util/errors.ts';
import type { RunDriver, RunEnd, Sitting } from '../driver.ts';
import { chooseBackend } from '../record.ts';
import { storeSink } from '../sink.ts';
import { reopenAtEpoch } from './epoch-reopen.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();

/** The flags of a single-path supernet trainer (SPOS, Once-for-All), with its defaults. */
export function pathTrainingFlags(d: PathTrainingConfig) {
  return {
    'data-dir': z.string().optional(),
    'train-images': int(2).default(d.trainImages),
    'batch-size': int(2).default(d.batchSize),
    lr: num.positive().default(d.learningRate),
    'min-lr': num.min(0).default(d.minLearningRate),
    warmup: num.min(0).max(1).default(d.warmupFraction),
    'weight-decay': num.min(0).default(d.weightDecay),
    augment: z.boolean().optional(),
    subnets: int(0).default(d.subnets),
    'calibration-images': int(2).default(d.calibrationImages),
    'val-images': int(2).default(d.valImages),
  };
}

type PathFlags = z.output<z.ZodObject<ReturnType<typeof pathTrainingFlags>>>;

/** The shared part of a single-path trainer's config from its flags and the common ones. */
export function pathTrainingConfig(common: { dataset?: string; seed: number; backend?: string }, d: PathTrainingConfig & { dataset: string }, f: PathFlags) {
  return {
    dataset: common.dataset ?? d.dataset, dataDir: f['data-dir'], seed: common.seed, backend: common.backend,
    trainImages: f['train-images'], batchSize: f['batch-size'], learningRate: f.lr, minLearningRate: f['min-lr'], warmupFraction: f.warmup,
    weightDecay: f['weight-decay'], augment: f.augment ?? false, subnets: f.subnets, calibrationImages: f['calibration-images'], valImages: f['val-images'],
  };
}

/** A config that failed its schema, as a one-line usage error naming the flag when it is the data set. */
export function configError(kind: string, dataset: string, issue: { path: PropertyKey[]; message: string }): UsageError {
  return new UsageError(`${issue.path[0] === 'dataset' ? `--dataset '${dataset}'` : `${kind}: ${issue.path.join('.')}`}: ${issue.message}`);
}

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
  The trained supernet then judges candidates: cellscape search --evaluator oneshot:RUN`;

type Flags = z.output<typeof flagsSchema>;

function configOf(spacePath: string, common: { dataset?: string; seed: number; backend?: string }, f: Flags): SposConfig {
  const config = { ...D, space: spacePath, ...pathTrainingConfig(common, D, f), epochs: f.epochs, sampling: f.sampling };
  const parsed = sposConfigSchema.safeParse(config);
  if (!parsed.success) throw configError('spos', config.dataset, parsed.error.issues[0]);
  return parsed.data;
}

function spaceOf(path: string): CellSpace {
  const space = loadSpace(resolveSpacePath(path));
  if (space.family !== 'cell') throw new UsageError(`spos trains cell spaces; '${path}' is a ${space.family} space`);
  if (space.def.task !== 'classification') throw new UsageError(`spos trains classification cell spaces; '${space.name}' is a ${space.def.task} space`);
  return space;
}

export async function driveSpos(s: Sitting<SposConfig, SposState>, hooks: SposHooks): Promise<RunEnd & { epochs: SposEnd['epochs'] }> {
  const { store, run, config: c } = s;
  await initBackend({ backend: run.backend });
  let end: SposEnd;
  try {
    end = await trainSpos({ config: c, space: s.space as unknown as CellSpace, state: s.state, checkpointDir: s.checkpointDir, sink: storeSink(store, run.id) }, hooks);
  } catch (err) {
    store.updateRunStatus(run.id, 'failed', (err as Error).message);
    throw err;
  }
  const status = end.status === 'stopped' ? 'stopped' : 'finished';
  store.updateRunStatus(run.id, status);
  return { status, epochs: end.epochs };
}

export const sposDriver: RunDriver<SposConfig, SposState, typeof flagsSchema> = {
  flags: flagsSchema,
  booleans: ['augment'],
  help: HELP,
  configSchema: sposConfigSchema,
  stateSchema: sposStateSchema,

  async plan(_strategy, common, own) {
    const spacePath = resolve(common.space);
    const space = spaceOf(spacePath);
    const config = configOf(spacePath, common, own);
    const backend = await chooseBackend(config.backend);
    return {
      config, space, dataset: config.dataset, backend, workers: 1,
      summary: `spos supernet, ${config.epochs} epochs x ${config.trainImages} images on ${config.dataset} (${backend}), ${config.sampling} sampling, seed ${config.seed}`,
    };
  },

  async reopen({ run, config, state }) {
    return reopenAtEpoch('spos', run, config, state, spaceOf(config.space));
  },

  // The supernet trains in this process; nothing goes to an executor.
  executorNeeds: () => ({
    workers: 1, heartbeatMs: DEFAULT_HEARTBEAT_MS, maxMemoryMb: null, inFlight: 1, maxAttempts: 1, evaluator: { kind: 'proxy' }, latency: { runtime: 'none', warmup: 0, repeats: 1 },
  }),

  drive: (s) => driveSpos(s, { progress: s.progress, signal: s.signal, log: s.log }),

  report({ store, run }, end, out) {
    const last = store.listEpochs(run.id, null).at(-1);
    const scored = last?.valAccuracy == null ? '' : `, sampled subnets' mean validation accuracy ${(100 * last.valAccuracy).toFixed(1)}%`;
    out(`run ${run.id} ${end.status}${last ? `: ${last.epoch + 1} epochs${scored}` : ''}`);
    if (end.status === 'finished') out(`judge candidates with it: cellscape search --evaluator oneshot:${run.id}${store.path === 'runs.db' ? '' : ` --db ${store.path}`}`);
  },
};
