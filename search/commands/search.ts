/**
 * `cellscape search`: starts a run — an evolutionary, multi-objective or random search over a
 * space, evaluating candidates on a pool of workers — and stores everything in the run database.
 * With no flags: a small aging-evolution search of the DARTS-style Fashion-MNIST space, sized to
 * finish in about ten minutes on two cores.
 */
import { readLatencyTable } from '../latency/table.ts';
import { openQueueForRun } from '../executor/queue-session.ts';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { resolveSpacePath } from '../space/load.ts';
import { openStore } from '../store/store.ts';
import { defaultWorkers, DEFAULT_HEARTBEAT_MS } from '../executor/pool.ts';
import { loadTable } from '../evaluate/table.ts';
import { checkTableFitsSpace } from '../evaluate/table-space.ts';
import { DATASET_NAMES } from '../data/registry.ts';
import { OBJECTIVES, runConfigSchema, STRATEGIES, type RunConfig } from '../run/config.ts';
import { parseFlags } from '../run/flags.ts';
import { fileSha256, packageVersions, readSpace } from '../run/record.ts';
import { runSession } from '../run/session.ts';
import type { Fitness, Constraint } from '../strategies/fitness.ts';
import { PROXY_NAMES, proxyByName } from '../evaluate/zero-cost/index.ts';
import { DEFAULT_RECIPE, RECIPES, proxyRecipeOf } from '../train/recipes.ts';

/**
 * Defaults: one epoch on 2,000 images costs a darts-fmnist-small candidate about 10 s on a wasm
 * worker while another trains beside it (two cores): 64 candidates on 2 workers took 5m27s from
 * a fresh clone. NSGA-II over accuracy and latency is the default: the
 * run then shows a front worth opening in the explorer, not one best accuracy.
 */
export const DEFAULTS = {
  space: 'darts-fmnist-small', budget: 64, population: 12, sample: 4, epochs: 1, trainImages: 2000, valImages: 1000,
  recipe: DEFAULT_RECIPE, batchSize: RECIPES[DEFAULT_RECIPE].batchSize, learningRate: RECIPES[DEFAULT_RECIPE].learningRate,
} as const;

/**
 * A segmentation space's defaults (64x64 scenes, Adam): `cellscape search --space seg-blocks`
 * took 7m43s for 48 candidates on 2 workers here (best mIoU 0.13 on scenes-objects). A rate of
 * 0.01 or more makes the training loss climb after a few epochs; one epoch leaves most networks
 * predicting background only.
 */
export const SEG_DEFAULTS = { budget: 48, epochs: 3, trainImages: 1024, valImages: 256, batchSize: 16, learningRate: 0.003 } as const;

const TASK_DEFAULTED = ['budget', 'epochs', 'train-images', 'val-images', 'batch-size', 'lr'] as const;
type TaskDefaulted = (typeof TASK_DEFAULTED)[number];

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();
const positive = z.coerce.number().positive();

export const flagsSchema = z.strictObject({
  space: z.string().default(DEFAULTS.space),
  // darts is handed to its own command before parsing; listed so that an error names every strategy.
  strategy: z.enum([...STRATEGIES, 'darts']).default('moo'),
  dataset: z.string().optional(),
  budget: int(1).optional(),
  population: int(2).optional(),
  sample: int(1).optional(),
  crossover: num.min(0).max(1).default(0),
  workers: int(1).optional(),
  seed: int(0).default(0),
  db: z.string().default('runs.db'),
  name: z.string().optional(),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  'max-latency': positive.optional(),
  'max-params': positive.optional(),
  score: z.enum(['accuracy', 'weighted', 'mnasnet']).optional(),
  'latency-weight': num.default(0.01),
  'params-weight': num.default(0),
  'target-latency': positive.optional(),
  objectives: z.string().optional(),
  evaluator: z.string().regex(/^(proxy|table:.+|zc:.+)$/, 'expected proxy, table:FILE or zc:PROXY').default('proxy'),
  'arch-col': z.string().optional(),
  'accuracy-col': z.string().optional(),
  'latency-col': z.string().optional(),
  'params-col': z.string().optional(),
  'flops-col': z.string().optional(),
  'eval-delay-ms': int(0).optional(),
  epochs: int(1).optional(),
  'train-images': int(10).optional(),
  'val-images': int(10).optional(),
  'batch-size': int(1).optional(),
  lr: positive.optional(),
  recipe: z.enum(Object.keys(RECIPES) as [string, ...string[]]).optional(),
  'latency-runtime': z.string().regex(/^(tfjs|onnxruntime|none|lut:.+)$/, 'expected tfjs, onnxruntime, none or lut:FILE').default('tfjs'),
  'latency-repeats': int(1).default(20),
  'latency-warmup': int(0).default(3),
  'in-flight': int(1).optional(),
  'max-attempts': int(1).default(3),
  'time-limit': positive.optional(),
  'stale-after': positive.default(120),
  'max-memory': int(16).optional(),
  executor: z.enum(['pool', 'queue']).default('pool'),
  redis: z.string().optional(),
  queue: z.string().optional(),
  help: z.boolean().optional(),
});
type ParsedFlags = z.output<typeof flagsSchema>;
export type Flags = Omit<ParsedFlags, TaskDefaulted> & Record<TaskDefaulted, number>;

/**
 * The budget and proxy flags not given, from the defaults of the space's task; a classification
 * proxy trains with a recipe (default the one bench/recipes.ts found fastest to converge), whose
 * batch size and rate are the defaults of --batch-size and --lr. Segmentation has its own loop.
 */
export function withTaskDefaults(f: ParsedFlags, task: string): Flags {
  if (task === 'segmentation') {
    if (f.recipe !== undefined) throw new UsageError('--recipe: segmentation spaces train with their own loop (Adam); use --lr and --batch-size');
    const d = SEG_DEFAULTS;
    return {
      ...f, budget: f.budget ?? d.budget, epochs: f.epochs ?? d.epochs, 'train-images': f['train-images'] ?? d.trainImages,
      'val-images': f['val-images'] ?? d.valImages, 'batch-size': f['batch-size'] ?? d.batchSize, lr: f.lr ?? d.learningRate,
    };
  }
  const d = DEFAULTS, recipe = f.recipe ?? d.recipe;
  return {
    ...f, recipe, budget: f.budget ?? d.budget, epochs: f.epochs ?? d.epochs, 'train-images': f['train-images'] ?? d.trainImages,
    'val-images': f['val-images'] ?? d.valImages, 'batch-size': f['batch-size'] ?? RECIPES[recipe].batchSize, lr: f.lr ?? RECIPES[recipe].learningRate,
  };
}

const HELP = `Usage: cellscape search [options]

  --space FILE|NAME        space definition (default ${DEFAULTS.space}; shipped: space-defs/)
  --strategy S             moo (NSGA-II) | evolution (aging) | random | darts   (default moo)
  --dataset NAME           ${DATASET_NAMES.join(' | ')}   (default fashion-mnist;
                           segmentation spaces: scenes-objects | scenes-context, default scenes-objects)
  --budget N               candidates to evaluate (default ${DEFAULTS.budget}; segmentation ${SEG_DEFAULTS.budget})
  --population P --sample S   evolution population and tournament size
  --workers N              worker threads (default one per core)
  --seed S --db FILE --name TEXT --backend tensorflow|wasm|cpu
  --max-latency MS --max-params N      hard constraints
  --score accuracy|weighted|mnasnet    what evolution ranks by (moo: a scalar instead of the front)
      --latency-weight W --params-weight W (weighted), --target-latency MS (mnasnet)
  --objectives a,b         front objectives: ${OBJECTIVES.join(', ')} (default accuracy,latencyMs)
  --evaluator proxy|table:FILE|zc:PROXY   train candidates, look them up in a benchmark table, or
      score them untrained by a zero-cost proxy (${PROXY_NAMES.join(', ')}), its score taking accuracy's place
      --accuracy-col C --latency-col C --params-col C --flops-col C --arch-col C --eval-delay-ms MS
  --epochs E --train-images N --val-images N --batch-size B --lr LR   proxy training budget (default
      ${DEFAULTS.epochs}/${DEFAULTS.trainImages}/${DEFAULTS.valImages}/${DEFAULTS.batchSize}/${DEFAULTS.learningRate}; segmentation ${SEG_DEFAULTS.epochs}/${SEG_DEFAULTS.trainImages}/${SEG_DEFAULTS.valImages}/${SEG_DEFAULTS.batchSize}/${SEG_DEFAULTS.learningRate})
  --recipe NAME            how the proxy trains: ${Object.keys(RECIPES).join(', ')} (default ${DEFAULTS.recipe};
                           bench/data/recipes.md); its batch size and rate are the defaults above
  --latency-runtime tfjs|onnxruntime|none|lut:FILE   measure latency at batch 1 on one thread, or predict it
      from a table made by cellscape lut;  --latency-repeats N --latency-warmup N
  --in-flight N --max-attempts N --time-limit S --stale-after S --max-memory MB
  --executor pool|queue --redis URL [--queue NAME]   evaluate on workers that pull from Redis (cellscape worker)`;

function fitnessOf(f: Flags): Fitness {
  switch (f.score) {
    case undefined: case 'accuracy': return { kind: 'metric', metric: 'accuracy' };
    case 'weighted': return { kind: 'weighted', accuracy: 1, latency: f['latency-weight'], params: f['params-weight'] };
    case 'mnasnet': {
      const target = f['target-latency'] ?? f['max-latency'];
      if (target === undefined) throw new UsageError('--score mnasnet: needs --target-latency MS (or --max-latency)');
      return { kind: 'mnas', targetMs: target, alpha: -0.07, beta: -0.07 };
    }
  }
}

/** `measured`: the metrics the evaluator gives besides accuracy (a table only those it has columns for). */
function objectivesOf(f: Flags, measured: { latencyMs: boolean; params: boolean; flops: boolean }): RunConfig['objectives'] {
  if (f.objectives === undefined) return measured.latencyMs ? ['accuracy', 'latencyMs'] : measured.params ? ['accuracy', 'params'] : ['accuracy'];
  const names = f.objectives.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(OBJECTIVES as readonly string[]).includes(n)) throw new UsageError(`--objectives: unknown '${n}'; choose from ${OBJECTIVES.join(', ')}`);
  }
  if (!measured.latencyMs && names.includes('latencyMs')) throw new UsageError('--objectives: latencyMs is not measured by this evaluator (--latency none, or no --latency-col)');
  for (const metric of ['params', 'flops'] as const) {
    if (!measured[metric] && names.includes(metric)) throw new UsageError(`--objectives: the table has no ${metric} (give --${metric}-col)`);
  }
  return names as RunConfig['objectives'];
}

/** Where candidates' latency comes from; a lookup table is read now so that a bad file fails before the run starts. */
function latencySpecOf(f: Flags): RunConfig['latency'] {
  const given = f['latency-runtime'];
  const timing = { warmup: f['latency-warmup'], repeats: f['latency-repeats'] };
  if (!given.startsWith('lut:')) return { runtime: given as 'tfjs' | 'onnxruntime' | 'none', ...timing };
  const lutPath = resolve(given.slice('lut:'.length));
  try {
    readLatencyTable(lutPath);
  } catch (err) {
    throw new UsageError(`--latency-runtime ${given}: ${(err as Error).message}`);
  }
  return { runtime: 'lut', lutPath, ...timing };
}

export function configFrom(f: Flags, spacePath: string): RunConfig {
  let evaluator: RunConfig['evaluator'];
  let measuresLatency: boolean;
  if (f.evaluator.startsWith('table:')) {
    const path = resolve(f.evaluator.slice('table:'.length));
    if (f.dataset !== undefined) throw new UsageError('--dataset: a table evaluator looks results up and trains on nothing; leave --dataset out');
    if (!f['accuracy-col']) throw new UsageError('--evaluator table: needs --accuracy-col C (and --latency-col, --params-col as the table has them)');
    const columns = {
      accuracy: f['accuracy-col'], latency: f['latency-col'], params: f['params-col'], flops: f['flops-col'], arch: f['arch-col'],
    };
    loadTable(path, columns); // checks the file and its columns now, with errors naming them
    evaluator = { kind: 'table', path, columns, delayMs: f['eval-delay-ms'], sha256: fileSha256(path, 'table') };
    measuresLatency = columns.latency !== undefined;
  } else {
    for (const flag of ['accuracy-col', 'latency-col', 'params-col', 'flops-col', 'arch-col', 'eval-delay-ms'] as const) {
      if (f[flag] !== undefined) throw new UsageError(`--${flag}: only with --evaluator table:FILE`);
    }
    evaluator = f.evaluator.startsWith('zc:') ? { kind: 'zero-cost', proxy: proxyByName(f.evaluator.slice('zc:'.length)).name } : { kind: 'proxy' };
    measuresLatency = f['latency-runtime'] !== 'none';
  }
  const constraints: Constraint[] = [];
  if (f['max-latency'] !== undefined) {
    if (!measuresLatency) throw new UsageError('--max-latency: latency is not measured by this evaluator');
    constraints.push({ metric: 'latencyMs', max: f['max-latency'] });
  }
  if (f['max-params'] !== undefined) constraints.push({ metric: 'params', max: f['max-params'] });
  const population = f.population ?? Math.min(DEFAULTS.population, Math.max(2, f.budget));
  const sample = f.sample ?? Math.min(DEFAULTS.sample, population);
  if (sample > population) throw new UsageError(`--sample ${sample}: must not exceed --population ${population}`);
  const workers = f.workers ?? defaultWorkers();
  if (f['stale-after'] * 1000 < 3 * DEFAULT_HEARTBEAT_MS) {
    throw new UsageError(`--stale-after ${f['stale-after']}: must be at least ${(3 * DEFAULT_HEARTBEAT_MS) / 1000} s (three heartbeats)`);
  }
  return runConfigSchema.parse({
    spacePath, strategy: f.strategy, budget: f.budget, population, sample, crossover: f.crossover,
    fitness: fitnessOf(f), scalar: f.score !== undefined, constraints, objectives: objectivesOf(f, { latencyMs: measuresLatency, params: evaluator.kind === 'proxy' || f['params-col'] !== undefined, flops: evaluator.kind === 'proxy' || f['flops-col'] !== undefined }), evaluator,
    proxy: {
      epochs: f.epochs, trainImages: f['train-images'], valImages: f['val-images'], batchSize: f['batch-size'], learningRate: f.lr,
      ...(f.recipe === undefined ? {} : { recipe: proxyRecipeOf(RECIPES[f.recipe]) }),
    },
    latency: evaluator.kind === 'table' ? { runtime: 'none', warmup: 0, repeats: 1 } : latencySpecOf(f),
    inFlight: f['in-flight'] ?? Math.max(4, 2 * workers), workers, maxAttempts: f['max-attempts'],
    heartbeatMs: DEFAULT_HEARTBEAT_MS, staleAfterMs: Math.round(f['stale-after'] * 1000),
    timeLimitMs: f['time-limit'] === undefined ? null : Math.round(f['time-limit'] * 1000),
    maxMemoryMb: f['max-memory'] ?? null, maxConsecutiveFailures: Math.max(5, 2 * workers),
  });
}

function evaluatorSummary(e: RunConfig['evaluator'], dataset: string, backend: string): string {
  switch (e.kind) {
    case 'table': return `table ${e.path}`;
    case 'zero-cost': return `zero-cost proxy ${e.proxy} on ${dataset} (${backend})`;
    default: return `proxy training on ${dataset} (${backend})`;
  }
}

/** The data set, checked against the ones the space's task can train on. */
export async function datasetFor(given: string | undefined, task: string): Promise<string> {
  const names: readonly string[] = task === 'segmentation' ? (await import('../evaluate/seg-proxy.ts')).SEG_DATASETS : DATASET_NAMES;
  const name = given ?? names[0];
  if (!names.includes(name)) throw new UsageError(`--dataset '${name}': a ${task} space trains on ${names.join(', ')}`);
  return name;
}

export async function backendName(f: Flags, config: RunConfig): Promise<string> {
  if (config.evaluator.kind === 'table') return 'table';
  // Chosen here once so that every worker uses the same backend and the run records it.
  const { initBackend } = await import('../backend/index.ts');
  try {
    return (await initBackend({ backend: f.backend })).name;
  } catch (err) {
    throw new UsageError(`--backend: ${(err as Error).message}`);
  }
}

export const command: Command = {
  async run(argv) {
    const s = argv.indexOf('--strategy');
    if ((s >= 0 && argv[s + 1] === 'darts') || argv.includes('--strategy=darts')) return (await import('../strategies/darts/command.ts')).dartsSearchCommand(argv);
    const { flags: parsed } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (parsed.help) { console.log(HELP); return 0; }
    if (parsed.executor === 'queue' && !parsed.redis) throw new UsageError('--executor queue: needs --redis URL (redis://[:PASSWORD@]HOST:PORT)');
    const spacePath = resolve(resolveSpacePath(parsed.space));
    const { def, space } = readSpace(spacePath);
    const f = withTaskDefaults(parsed, def.task);
    const config = configFrom(f, spacePath);
    if (config.evaluator.kind === 'table') checkTableFitsSpace(loadTable(config.evaluator.path, config.evaluator.columns), space);
    const dataset = await datasetFor(f.dataset, space.def.task);
    const backend = await backendName(f, config);
    const dbExisted = existsSync(f.db);
    const store = openStore(f.db);
    try {
      const run = store.createRun({
        name: f.name ?? `${f.strategy}-${def.name}-${new Date().toISOString().slice(0, 16)}`,
        strategy: f.strategy, spaceName: def.name, spaceDefinition: def, spaceHash: space.hash, task: def.task,
        dataset, config, seed: f.seed, backend, versions: packageVersions(),
        commandLine: ['cellscape', 'search', ...argv].join(' '),
      });
      store.addEvent(run.id, { level: 'info', kind: 'started', message: `started with ${config.workers} workers` });
      console.log(`run ${run.id} in ${f.db}${dbExisted ? '' : ' (new)'}: ${f.strategy} over ${def.name}, budget ${config.budget}, ` +
        `${evaluatorSummary(config.evaluator, dataset, backend)}, ${config.workers} workers, seed ${f.seed}`);
      const executor = f.executor === 'queue'
        ? await openQueueForRun(run, config, f.redis, (e) => store.addEvent(run.id, e), f.queue)
        : undefined;
      return await runSession({ store, runId: run.id, space, workers: config.workers, executor });
    } finally {
      store.close();
    }
  },
};
