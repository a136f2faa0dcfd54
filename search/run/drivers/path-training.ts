/**
 * The run driver of a single-path supernet trainer (SPOS on cell spaces: spos.ts; Once-for-All on
 * block spaces: ofa.ts), built from what differs between them: both run the same training loop
 * (strategies/one-shot/run.ts) in the driver's process, so their flags, config, resume, status
 * and closing lines differ only in the trainer's own options, space check and wording.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../../backend/index.ts';
import { DEFAULT_HEARTBEAT_MS } from '../../executor/pool.ts';
import type { LoadedSpace } from '../../space/load.ts';
import { PATH_TRAINING_DEFAULTS, pathStateSchema, type PathState, type PathTrainingConfig } from '../../strategies/one-shot/path-config.ts';
import type { SposHooks } from '../../strategies/one-shot/run.ts';
import { UsageError } from '../../util/errors.ts';
import type { CommonFlags, ExecutorNeeds, RunDriver, Sitting } from '../driver.ts';
import { chooseBackend } from '../record.ts';
import { reopenAtEpoch } from './epoch-reopen.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();

/** The flags of a single-path supernet trainer, with its defaults. */
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
    'data-parallel': int(1).default(d.dataParallel),
  };
}

/** The flag's line of each trainer's help. */
export const DATA_PARALLEL_HELP = `  --data-parallel N  train the supernet on N worker threads, each on 1/N of every batch, every worker on the
                     step's subnet, gradients averaged (default ${PATH_TRAINING_DEFAULTS.dataParallel})`;

type PathFlags = z.output<z.ZodObject<ReturnType<typeof pathTrainingFlags>>>;

/** The shared part of a single-path trainer's config from its flags and the common ones. */
export function pathTrainingConfig(common: { dataset?: string; seed: number; backend?: string }, d: PathTrainingConfig, f: PathFlags) {
  return {
    dataset: common.dataset ?? d.dataset, dataDir: f['data-dir'], seed: common.seed, backend: common.backend,
    trainImages: f['train-images'], batchSize: f['batch-size'], learningRate: f.lr, minLearningRate: f['min-lr'], warmupFraction: f.warmup,
    weightDecay: f['weight-decay'], augment: f.augment ?? false, subnets: f.subnets, calibrationImages: f['calibration-images'], valImages: f['val-images'],
    dataParallel: f['data-parallel'],
  };
}

/** Every worker needs an image of every batch (a batch is all the training images when they are fewer). */
function checkDataParallel(c: PathTrainingConfig): void {
  const batch = Math.min(c.batchSize, c.trainImages);
  if (c.dataParallel > batch) throw new UsageError(`--data-parallel ${c.dataParallel}: a batch of ${batch} cannot give every worker an image`);
}

/** A config that failed its schema, as a one-line usage error naming the flag when it is the data set. */
function configError(kind: string, dataset: string, issue: { path: PropertyKey[]; message: string }): UsageError {
  return new UsageError(`${issue.path[0] === 'dataset' ? `--dataset '${dataset}'` : `${kind}: ${issue.path.join('.')}`}: ${issue.message}`);
}

/** The supernet trains in the driver's process; nothing goes to an executor. */
const NO_EXECUTOR: ExecutorNeeds = {
  workers: 1, heartbeatMs: DEFAULT_HEARTBEAT_MS, maxMemoryMb: null, inFlight: 1, maxAttempts: 1, evaluator: { kind: 'proxy' }, latency: { runtime: 'none', warmup: 0, repeats: 1 },
};

type TrainerConfig = PathTrainingConfig & { space: string };

/** What a single-path trainer's driver says and does beside the shared loop. */
export interface PathTrainer<C extends TrainerConfig, F extends z.ZodObject> {
  kind: string;
  /** pathTrainingFlags(defaults) and the trainer's own. */
  flags: F;
  booleans: readonly string[];
  help: string;
  configSchema: z.ZodType<C>;
  /** Loads the space file and refuses one the trainer cannot train (UsageError). */
  spaceOf(path: string): LoadedSpace;
  /** The config before its schema checks it: the shared fields (pathTrainingConfig) and the trainer's own. */
  configOf(spacePath: string, common: CommonFlags, flags: z.output<F>): unknown;
  summary(c: C, backend: string): string;
  train(s: Sitting<C, PathState>, hooks: Omit<SposHooks, 'onEpoch'>): Promise<{ status: 'stopped' | 'trained' }>;
  /** Who the last epoch's mean accuracy is of ("watched", "sampled"), and the line saying what to do with a finished supernet. */
  scored: string;
  next(c: C, runId: number, db: string): string;
}

export function pathTrainingDriver<C extends TrainerConfig, F extends z.ZodObject>(t: PathTrainer<C, F>): RunDriver<C, PathState, F> {
  return {
    flags: t.flags,
    booleans: t.booleans,
    help: t.help,
    configSchema: t.configSchema,
    stateSchema: pathStateSchema,

    async plan(_strategy, common, own) {
      const spacePath = resolve(common.space);
      const space = t.spaceOf(spacePath);
      const raw = t.configOf(spacePath, common, own);
      const parsed = t.configSchema.safeParse(raw);
      if (!parsed.success) throw configError(t.kind, (raw as { dataset: string }).dataset, parsed.error.issues[0]);
      const config = parsed.data;
      checkDataParallel(config);
      const backend = await chooseBackend(config.backend);
      return { config, space, dataset: config.dataset, backend, workers: 1, summary: t.summary(config, backend) };
    },

    async reopen({ run, config, state }) {
      return reopenAtEpoch(t.kind, run, config, state, t.spaceOf(config.space));
    },

    executorNeeds: () => NO_EXECUTOR,

    async drive(s) {
      const { store, run } = s;
      await initBackend({ backend: run.backend });
      let end: { status: 'stopped' | 'trained' };
      try {
        end = await t.train(s, { progress: s.progress, signal: s.signal, log: s.log });
      } catch (err) {
        store.updateRunStatus(run.id, 'failed', (err as Error).message);
        throw err;
      }
      const status = end.status === 'stopped' ? 'stopped' : 'finished';
      store.updateRunStatus(run.id, status);
      return { status };
    },

    report({ store, run, config }, end, out) {
      const last = store.listEpochs(run.id, null).at(-1);
      const scored = last?.valAccuracy == null ? '' : `, ${t.scored} subnets' mean validation accuracy ${(100 * last.valAccuracy).toFixed(1)}%`;
      out(`run ${run.id} ${end.status}${last ? `: ${last.epoch + 1} epochs${scored}` : ''}`);
      if (end.status === 'finished') out(t.next(config, run.id, store.path === 'runs.db' ? '' : ` --db ${store.path}`));
    },
  };
}
