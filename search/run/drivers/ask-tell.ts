/**
 * The ask/tell driver: a Strategy (aging evolution, NSGA-II, random, ...) proposes candidates,
 * the loop (../loop.ts) evaluates them on the run's executor and tells the results back. Its
 * flags, defaults and config (../config.ts) are shared by every ask/tell strategy; the registry
 * binds one driver to each strategy's factory.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { readLatencyTable } from '../../latency/table.ts';
import { defaultWorkers, DEFAULT_HEARTBEAT_MS } from '../../executor/pool.ts';
import { columnsAt, dependsOn, loadTable } from '../../evaluate/table.ts';
import { rungBudgets, type Fidelity } from '../../strategies/fidelity/rungs.ts';
import { checkTableFitsSpace } from '../../evaluate/table-space.ts';
import { DATASET_NAMES } from '../../data/registry.ts';
import type { Genotype, Space } from '../../space/types.ts';
import type { Proposal, Strategy } from '../../strategies/types.ts';
import type { Fitness, Constraint } from '../../strategies/fitness.ts';
import { UsageError } from '../../util/errors.ts';
import { DEFAULT_RECIPE, RECIPES, proxyRecipeOf } from '../../train/recipes.ts';
import { DEFAULT_TRAINED_PROXIES, PROXY_NAMES, proxyByName } from '../../evaluate/zero-cost/index.ts';
import { createProgress, formatDuration } from '../../util/progress.ts';
import { OBJECTIVES, runConfigSchema, runStateSchema, type RunConfig, type RunState } from '../config.ts';
import { measuredOn, metricDef, metricRegistry, metricsOfTask, qualityMetric, runQuality, zeroCostMetric, type MetricName } from '../../contracts/metrics.ts';
import type { CommonFlags, RunDriver } from '../driver.ts';
import type { Rung } from '../../store/store.ts';
import { runLoop, type LoopStatus } from '../loop.ts';
import { networkScorer } from '../screen-scorer.ts';
import { withPrescreen } from '../../strategies/prescreen.ts';
import { chooseBackend, checkInputs, fileSha256, readSpace } from '../record.ts';
import { formatFront, frontOf } from '../report.ts';
import { oneShotSpec } from '../one-shot-source.ts';
import { ADAPT_HELP, adaptFlags, adaptOf, describeAdapt } from '../adapt-flags.ts';
import { FEWSHOT_HELP, fewShotFlags, fewShotOf, runTaskOf } from '../fewshot-flags.ts';
import { spaceTaskOf } from '../../contracts/task.ts';

/**
 * Defaults: 2 epochs on 2,000 images, the cheapest budget of the proxy's budget curve that ranks
 * the reference table clearly better than chance (Spearman 0.41 against 0.18 for 1 epoch:
 * bench/tables/README.md). Training is 91 % of a candidate's CPU (bench/candidate-cost.ts), so the
 * search's time goes with its candidates: on a quiet 2-core machine 30 took 7 min 28 s and 24 take
 * 5 min 50 s (bench/first-run.sh: bench/data/default-search.md), within the 6-minute goal; a rerun
 * on a slower day of the shared machine took 7 min 39 s (its npm ci a third slower too: README). The
 * search is seeded: 24 are the 30's first 24, which held all 7 of its front. A population of 8 gives
 * NSGA-II three generations in them.
 */
export const DEFAULTS = {
  space: 'darts-fmnist-small', budget: 24, population: 8, sample: 4, start: 'random', epochs: 2, trainImages: 2000, valImages: 1000,
  recipe: DEFAULT_RECIPE, batchSize: RECIPES[DEFAULT_RECIPE].batchSize, learningRate: RECIPES[DEFAULT_RECIPE].learningRate,
} as const;

/**
 * A segmentation space's defaults (64x64 scenes, Adam): `cellscape search --space seg-blocks`
 * took 7m43s for 48 candidates on 2 workers here (best mIoU 0.13 on scenes-objects). A rate of
 * 0.01 or more makes the training loss climb after a few epochs; one epoch leaves most networks
 * predicting background only.
 */
export const SEG_DEFAULTS = { budget: 48, epochs: 3, trainImages: 1024, valImages: 256, batchSize: 16, learningRate: 0.003 } as const;

/** Share of the drawn proposals a pre-screen keeps unless --keep says otherwise: one in four, whose scoring (synflow) costs a fraction of one training. */
const DEFAULT_KEEP = 0.25;

const TASK_DEFAULTED = ['budget', 'epochs', 'train-images', 'val-images', 'batch-size', 'lr'] as const;
type TaskDefaulted = (typeof TASK_DEFAULTED)[number];

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();
const positive = z.coerce.number().positive();

/** `--max-<metric>` for every metric to minimise, named after the registry (`_` as `-`). */
const boundFlags = metricRegistry.filter((m) => m.direction === 'min')
  .map((m) => ({ flag: `max-${m.name.replace(/_/g, '-')}`, metric: m.name as MetricName, unit: m.unit }));

/** The shorthand flags of `--col` for the metrics every benchmark has had. */
const COLUMN_FLAGS = { 'accuracy-col': 'accuracy', 'latency-col': 'latency_ms', 'params-col': 'params', 'flops-col': 'flops' } as const;

export const askTellFlagsSchema = z.strictObject({
  budget: int(1).optional(),
  population: int(2).optional(),
  sample: int(1).optional(),
  crossover: num.min(0).max(1).default(0),
  start: z.enum(['random', 'spread']).optional(),
  workers: int(1).optional(),
  ...Object.fromEntries(boundFlags.map((b) => [b.flag, positive.optional()])) as Record<string, z.ZodOptional<typeof positive>>,
  /** The spelling before the metric registry, kept as a shorthand for --max-latency-ms. */
  'max-latency': positive.optional(),
  score: z.enum(['accuracy', 'weighted', 'mnasnet']).optional(),
  'latency-weight': num.default(0.01),
  'params-weight': num.default(0),
  'target-latency': positive.optional(),
  objectives: z.string().optional(),
  evaluator: z.string().regex(/^(proxy|table:.+|zc:.+|oneshot:.+)$/, 'expected proxy, table:FILE, zc:PROXY or oneshot:RUN').default('proxy'),
  prescreen: z.string().regex(/^(zc:[a-z_]+|vote:[a-z_]+(,[a-z_]+)+)$/, 'expected zc:PROXY or vote:PROXY,PROXY[,...]').optional(),
  keep: num.gt(0).max(1).optional(),
  acquisition: z.enum(['its', 'ucb']).optional(),
  'predictor-zc': z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'expected PROXY[,PROXY...]').optional(),
  zc: z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'expected none or PROXY[,PROXY...]').optional(),
  'arch-col': z.string().optional(),
  col: z.string().regex(/^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$/, 'expected METRIC=COLUMN[,METRIC=COLUMN...]').optional(),
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
  fidelity: z.enum(['asha', 'hyperband']).optional(),
  eta: int(2).optional(),
  rungs: int(2).optional(),
  'rung-by': z.enum(['epochs', 'images']).optional(),
  ...adaptFlags,
  ...fewShotFlags,
});
type ParsedFlags = CommonFlags & z.output<typeof askTellFlagsSchema>;
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

const HELP = `  --budget N               candidates to evaluate (default ${DEFAULTS.budget}; segmentation ${SEG_DEFAULTS.budget})
  --population P --sample S   evolution population and tournament size
  --start random|spread    moo: first population sampled uniformly, or spread from the space's cheapest
                           choices to its dearest (cell spaces; default ${DEFAULTS.start})
  --workers N              worker threads (default one per core)
  ${boundFlags.map((b) => `--${b.flag}${b.unit ? ` ${b.unit.toUpperCase()}` : ' N'}`).join(' ')}   hard constraints
                           (--max-latency MS is --max-latency-ms)
  --score accuracy|weighted|mnasnet    what evolution ranks by (moo: a scalar instead of the front)
      --latency-weight W --params-weight W (weighted), --target-latency MS (mnasnet)
  --objectives a,b         front objectives: ${OBJECTIVES.join(', ')}
                           (default accuracy,flops with --evaluator proxy and a measured latency, else
                           accuracy,latency_ms; segmentation miou,latency_ms)
  --evaluator proxy|table:FILE|zc:PROXY|oneshot:RUN   train candidates, look them up in a benchmark table,
      score them untrained by a zero-cost proxy (${PROXY_NAMES.join(', ')}), its score taking accuracy's place,
      or judge them with the weights of spos run RUN's supernet (batch norm recalibrated, about a second each)
      --col METRIC=COLUMN[,...]  the table's column of each metric it holds, e.g. accuracy=top1,latency_ms=lat
      (--accuracy-col C --latency-col C --params-col C --flops-col C are shorthands)  --arch-col C --eval-delay-ms MS
  --prescreen zc:PROXY|vote:PROXY,PROXY[,...] --keep F   evolution and moo: draw 1/F proposals (default
      F ${DEFAULT_KEEP}), score them untrained in the search process, evaluate only the best share F
  --acquisition its|ucb --predictor-zc PROXY[,...]   bananas: independent Thompson sampling (default) or
      an upper confidence bound; zero-cost scores its predictor reads beside the encoding (default none)
  --zc PROXY[,PROXY...]|none   proxies every trained candidate is also scored by, untrained, in its job
                           (default ${DEFAULT_TRAINED_PROXIES.join(',')}: no data read, a few per cent of a training), stored as zc_<proxy>
  --epochs E --train-images N --val-images N --batch-size B --lr LR   proxy training budget (default
      ${DEFAULTS.epochs}/${DEFAULTS.trainImages}/${DEFAULTS.valImages}/${DEFAULTS.batchSize}/${DEFAULTS.learningRate}; segmentation ${SEG_DEFAULTS.epochs}/${SEG_DEFAULTS.trainImages}/${SEG_DEFAULTS.valImages}/${SEG_DEFAULTS.batchSize}/${SEG_DEFAULTS.learningRate})
  --recipe NAME            how the proxy trains: ${Object.keys(RECIPES).join(', ')} (default ${DEFAULTS.recipe};
                           bench/data/recipes.md); its batch size and rate are the defaults above
  --latency-runtime tfjs|onnxruntime|none|lut:FILE   measure latency at batch 1 on one thread, or predict it
      from a table made by cellscape lut;  --latency-repeats N --latency-warmup N
  --fidelity asha|hyperband   multi-fidelity: candidates start at a small budget and the top 1/eta of each rung
      is promoted to the next (asynchronous successive halving; hyperband adds brackets starting higher);
      --budget counts candidates, the proxy budget above is the top rung
      --eta N (default 3) --rungs K (default 3) --rung-by epochs|images (default epochs when --epochs
      allows eta^(K-1) of them, else images)
${ADAPT_HELP}
${FEWSHOT_HELP}
  --in-flight N --max-attempts N --time-limit S --stale-after S
  --max-memory MB          each worker's JavaScript heap and its tensors' memory (the wasm heap), each
                           at most MB; an evaluation over it fails as oom, naming the batch size to lower`;

/** `--col metric=COLUMN,...` and the shorthands, as the table evaluator's metric → column map. */
function tableMetricColumns(f: Flags): Partial<Record<MetricName, string>> {
  const out: Partial<Record<MetricName, string>> = {};
  for (const pair of f.col ? f.col.split(',') : []) {
    const [metric, column] = pair.split('=').map((x) => x.trim());
    if (RENAMED[metric]) throw new UsageError(`--col: '${metric}' is now called '${RENAMED[metric]}'`);
    if (!(OBJECTIVES as readonly string[]).includes(metric)) throw new UsageError(`--col: unknown metric '${metric}'; choose from ${OBJECTIVES.join(', ')}`);
    out[metric as MetricName] = column;
  }
  for (const [flag, metric] of Object.entries(COLUMN_FLAGS) as [keyof typeof COLUMN_FLAGS, MetricName][]) {
    if (f[flag] !== undefined) out[metric] = f[flag];
  }
  return out;
}

/** Whether the run's evaluator gives a metric, and what to say when it does not. */
interface Measured { has(m: MetricName): boolean; missing(m: MetricName): string }

function constraintsOf(f: Flags, measured: Measured): Constraint[] {
  const constraints: Constraint[] = [];
  for (const b of boundFlags) {
    const max = b.metric === 'latency_ms' ? maxLatency(f) : bound(f, b.flag);
    if (max === undefined) continue;
    if (!measured.has(b.metric)) throw new UsageError(`--${b.flag}: ${measured.missing(b.metric)}`);
    constraints.push({ metric: b.metric, max });
  }
  return constraints;
}

function fitnessOf(f: Flags, quality: MetricName): Fitness {
  switch (f.score) {
    case undefined: case 'accuracy': return { kind: 'metric', metric: quality };
    case 'weighted': return { kind: 'weighted', quality, accuracy: 1, latency: f['latency-weight'], params: f['params-weight'] };
    case 'mnasnet': {
      const target = f['target-latency'] ?? maxLatency(f);
      if (target === undefined) throw new UsageError('--score mnasnet: needs --target-latency MS (or --max-latency-ms)');
      return { kind: 'mnas', quality, targetMs: target, alpha: -0.07, beta: -0.07 };
    }
  }
}

const bound = (f: Flags, flag: string): number | undefined => (f as Record<string, unknown>)[flag] as number | undefined;
const maxLatency = (f: Flags): number | undefined => bound(f, 'max-latency-ms') ?? f['max-latency'];

/** The spellings of metric names before the registry, answered with the name to use. */
const RENAMED: Record<string, MetricName> = { latencyMs: 'latency_ms', latency: 'latency_ms' };

/**
 * Default: the quality (or zero-cost score) against one cost, as the evaluator measures it (a table
 * only what it has columns for): latency, else parameters. A classification proxy takes MACs
 * instead unless its latency comes from a lookup table: a latency measured at batch 1 on a busy
 * machine moved by a median 18 % between two measurements of the same network, more than many
 * candidates differ, so its front was partly noise; MACs are exact and follow latency
 * (bench/data/default-search.md).
 */
function objectivesOf(f: Flags, measured: Measured, quality: MetricName, task: string, evaluator: RunConfig['evaluator']['kind']): RunConfig['objectives'] {
  const measuredLatency = !f['latency-runtime'].startsWith('lut:');
  const costs = task === 'classification' && evaluator === 'proxy' && measuredLatency ? ['flops'] as const : ['latency_ms', 'params'] as const;
  if (f.objectives === undefined) return [quality, ...costs.filter((m) => m !== quality && measured.has(m)).slice(0, 1)];
  const names = f.objectives.split(',').map((x) => x.trim());
  for (const n of names) {
    if (RENAMED[n]) throw new UsageError(`--objectives: '${n}' is now called '${RENAMED[n]}'`);
    if (!(OBJECTIVES as readonly string[]).includes(n)) throw new UsageError(`--objectives: unknown '${n}'; choose from ${OBJECTIVES.join(', ')}`);
    if (!measured.has(n as MetricName)) throw new UsageError(`--objectives: ${measured.missing(n as MetricName)}`);
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

/** The strategies that breed children from a population, which a pre-screen thins. */
const PRESCREENED = ['evolution', 'moo'];

function prescreenOf(f: Flags): RunConfig['prescreen'] {
  if (f.prescreen === undefined) {
    if (f.keep !== undefined) throw new UsageError('--keep: only with --prescreen');
    return undefined;
  }
  if (!PRESCREENED.includes(f.strategy)) throw new UsageError(`--prescreen: only with --strategy ${PRESCREENED.join(' or ')}, which breed children to screen`);
  const names = f.prescreen.slice(f.prescreen.indexOf(':') + 1).split(',').map((n) => proxyByName(n).name);
  return { proxies: [...new Set(names)], keep: f.keep ?? DEFAULT_KEEP };
}

function predictorOf(f: Flags): RunConfig['predictor'] {
  if (f.strategy !== 'bananas') {
    for (const flag of ['acquisition', 'predictor-zc'] as const) if (f[flag] !== undefined) throw new UsageError(`--${flag}: only with --strategy bananas`);
    return undefined;
  }
  const zeroCost = f['predictor-zc'] === undefined ? [] : [...new Set(f['predictor-zc'].split(',').map((n) => proxyByName(n).name))];
  return { acquisition: f.acquisition ?? 'its', zeroCost };
}

/** `--zc`: the proxies a trained candidate is scored by before training (none: `none`). */
function trainedProxies(given: string | undefined): string[] {
  if (given === undefined) return [...DEFAULT_TRAINED_PROXIES];
  if (given === 'none') return [];
  const names = given.split(',').map((n) => proxyByName(n).name);
  return [...new Set(names)];
}

/** The rungs of --fidelity, checked against the proxy budget they divide. */
function fidelityOf(f: Flags): Fidelity | undefined {
  if (f.fidelity === undefined) {
    for (const flag of ['eta', 'rungs', 'rung-by'] as const) if (f[flag] !== undefined) throw new UsageError(`--${flag}: only with --fidelity asha|hyperband`);
    return undefined;
  }
  const eta = f.eta ?? 3, rungs = f.rungs ?? 3;
  const fidelity: Fidelity = { kind: f.fidelity, eta, rungs, resource: f['rung-by'] ?? (f.epochs >= eta ** (rungs - 1) ? 'epochs' : 'images') };
  try {
    rungBudgets({ epochs: f.epochs, trainImages: f['train-images'], valImages: f['val-images'], batchSize: f['batch-size'], learningRate: f.lr }, fidelity);
  } catch (err) {
    throw new UsageError(`--fidelity ${f.fidelity}: ${(err as Error).message}; raise --epochs or --train-images, or lower --rungs or --eta`);
  }
  return fidelity;
}

export function configFrom(f: Flags, spacePath: string, task: string): RunConfig {
  const fidelity = fidelityOf(f);
  let evaluator: RunConfig['evaluator'];
  let measured: Measured;
  if (f.evaluator.startsWith('table:')) {
    const path = resolve(f.evaluator.slice('table:'.length));
    if (f.dataset !== undefined) throw new UsageError('--dataset: a table evaluator looks results up and trains on nothing; leave --dataset out');
    if (f.zc !== undefined) throw new UsageError('--zc: a table evaluator builds no network to score; only with --evaluator proxy');
    const metrics = tableMetricColumns(f);
    const quality = qualityMetric(task);
    if (metrics[quality] === undefined) throw new UsageError(`--evaluator table: needs the column of ${quality} (--col ${quality}=COLUMN), and of the other metrics the table has`);
    const columns = { metrics, ...(f['arch-col'] ? { arch: f['arch-col'] } : {}) };
    if (fidelity && !dependsOn(columns, fidelity.resource)) {
      throw new UsageError(`--fidelity: rungs over ${fidelity.resource} would all read the same column of the table; name its column per budget with {${fidelity.resource}} (--col ${quality}=acc_{${fidelity.resource}}) or choose --rung-by`);
    }
    const budget = { epochs: f.epochs, trainImages: f['train-images'] };
    // Checks the file and its columns (every rung's) now, with errors naming them.
    for (const b of fidelity ? rungBudgets({ ...budget, valImages: 1, batchSize: 1, learningRate: 1 }, fidelity) : [budget]) loadTable(path, columnsAt(columns, b));
    evaluator = {
      kind: 'table', path, columns, delayMs: f['eval-delay-ms'], sha256: fileSha256(path, 'table'),
      ...(fidelity && f['eval-delay-ms'] ? { delayImageEpochs: f.epochs * f['train-images'] } : {}),
    };
    measured = { has: (m) => metrics[m] !== undefined, missing: (m) => `the table has no column for '${m}' (add --col ${m}=COLUMN)` };
  } else {
    for (const flag of ['col', 'accuracy-col', 'latency-col', 'params-col', 'flops-col', 'arch-col', 'eval-delay-ms'] as const) {
      if (f[flag] !== undefined) throw new UsageError(`--${flag}: only with --evaluator table:FILE`);
    }
    if (fidelity && f.evaluator !== 'proxy') throw new UsageError(`--fidelity: the ${f.evaluator} evaluator trains nothing, so every rung would give the same result; use --evaluator proxy or a table`);
    if (f.zc !== undefined && f.evaluator !== 'proxy') throw new UsageError('--zc: only with --evaluator proxy (the other evaluators train nothing to rank the proxies against)');
    // A kept candidate also stores the scores it was screened by.
    const zeroCost = f.evaluator === 'proxy' ? [...new Set([...trainedProxies(f.zc), ...(prescreenOf(f)?.proxies ?? [])])] : undefined;
    const adapt = adaptOf(f);
    const fewShot = task === 'fewshot-seg';
    if (fewShot && f.evaluator.startsWith('oneshot:')) throw new UsageError('--evaluator oneshot: not with --task fewshot-seg (a supernet trained on every class would have seen the novel ones)');
    if (fewShot && f.zc !== undefined && f.zc !== 'none') throw new UsageError('--zc: few-shot candidates are not scored untrained in their job; use --evaluator zc:PROXY or leave --zc out');
    evaluator = fewShot && f.evaluator === 'proxy' ? fewShotOf(f)
      : f.evaluator.startsWith('zc:') ? { kind: 'zero-cost', proxy: proxyByName(f.evaluator.slice('zc:'.length)).name }
      : f.evaluator.startsWith('oneshot:') ? oneShotSpec(f.evaluator.slice('oneshot:'.length), f.db, readSpace(spacePath).space)
        : { kind: 'proxy', zeroCost, ...(adapt ? { adapt } : {}) };
    const latency = f['latency-runtime'] !== 'none';
    const kind = evaluator.kind;
    const scores = new Set<string>([runQuality(task, evaluator), ...(zeroCost ?? []).map(zeroCostMetric)]);
    measured = {
      has: (m) => metricsOfTask(task).some((d) => d.name === m) && (latency || (m !== 'latency_ms' && m !== 'latency_iqr_ms'))
        && (!m.startsWith('zc_') || scores.has(m)) && (!m.startsWith('fewshot_') || kind === 'fewshot') && measuredOn(metricDef(m), f.dataset) && (!metricDef(m).datasets || kind === 'proxy'),
      missing: (m) => (m.startsWith('latency') ? 'latency is not measured with --latency-runtime none'
        : !measuredOn(metricDef(m), f.dataset) ? `${m} is measured only with --dataset ${metricDef(m).datasets!.join(' or ')}`
          : `${m} is not measured by the ${kind} evaluator`),
    };
  }
  const quality = runQuality(task, evaluator);
  const constraints = constraintsOf(f, measured);
  const objectives = objectivesOf(f, measured, quality, task, evaluator.kind);
  const population = f.population ?? Math.min(DEFAULTS.population, Math.max(2, f.budget));
  const sample = f.sample ?? Math.min(DEFAULTS.sample, population);
  if (sample > population) throw new UsageError(`--sample ${sample}: must not exceed --population ${population}`);
  if (f.start !== undefined && f.strategy !== 'moo') throw new UsageError(`--start ${f.start}: only --strategy moo (NSGA-II) has a first population to spread`);
  const workers = f.workers ?? defaultWorkers();
  if (f['stale-after'] * 1000 < 3 * DEFAULT_HEARTBEAT_MS) {
    throw new UsageError(`--stale-after ${f['stale-after']}: must be at least ${(3 * DEFAULT_HEARTBEAT_MS) / 1000} s (three heartbeats)`);
  }
  return runConfigSchema.parse({
    spacePath, strategy: f.strategy, budget: f.budget, population, sample, crossover: f.crossover,
    ...(f.strategy === 'moo' ? { start: f.start ?? DEFAULTS.start } : {}),
    fitness: fitnessOf(f, quality), scalar: f.score !== undefined, constraints, objectives, evaluator, prescreen: prescreenOf(f), predictor: predictorOf(f),
    proxy: {
      epochs: f.epochs, trainImages: f['train-images'], valImages: f['val-images'], batchSize: f['batch-size'], learningRate: f.lr,
      ...(f.recipe === undefined ? {} : { recipe: proxyRecipeOf(RECIPES[f.recipe]) }),
    },
    ...(fidelity ? { fidelity } : {}),
    latency: evaluator.kind === 'table' ? { runtime: 'none', warmup: 0, repeats: 1 } : latencySpecOf(f),
    inFlight: f['in-flight'] ?? Math.max(4, 2 * workers), workers, maxAttempts: f['max-attempts'],
    heartbeatMs: DEFAULT_HEARTBEAT_MS, staleAfterMs: Math.round(f['stale-after'] * 1000),
    timeLimitMs: f['time-limit'] === undefined ? null : Math.round(f['time-limit'] * 1000),
    maxMemoryMb: f['max-memory'] ?? null, maxConsecutiveFailures: Math.max(5, 2 * workers),
  });
}

const screenLabel = (p: NonNullable<RunConfig['prescreen']>): string => (p.proxies.length === 1 ? p.proxies[0] : `a vote of ${p.proxies.join(', ')}`);

function evaluatorSummary(e: RunConfig['evaluator'], dataset: string, backend: string): string {
  switch (e.kind) {
    case 'table': return `table ${e.path}`;
    case 'zero-cost': return `zero-cost proxy ${e.proxy} on ${dataset} (${backend})`;
    case 'proxy': return `proxy training on ${dataset} (${backend})${e.adapt ? `, adapting: ${describeAdapt(e.adapt)}` : ''}${e.zeroCost?.length ? `, also scored untrained by ${e.zeroCost.join(', ')}` : ''}`;
    case 'fewshot': return `${e.head} few-shot episodes (${e.episodes} a shot count) after training on the base classes of ${dataset} (${backend})`;
    case 'oneshot': return `weights inherited from the supernet ${e.checkpoint} on ${dataset} (${backend})`;
    default: return `proxy training on ${dataset} (${backend})`;
  }
}

/** Done evaluations per rung, and the candidates done at the highest rung any reached. */
function topRung(rungs: readonly Rung[]): { perRung: number[]; candidates: Set<number> } {
  const done = rungs.filter((r) => r.status === 'done');
  const perRung: number[] = [];
  for (const r of done) perRung[r.rung] = (perRung[r.rung] ?? 0) + 1;
  const top = perRung.length - 1;
  return { perRung: Array.from(perRung, (n) => n ?? 0), candidates: new Set(done.filter((r) => r.rung === top).map((r) => r.candidateId)) };
}

function fidelitySummary(c: RunConfig): string {
  const f = c.fidelity!;
  const amounts = rungBudgets(c.proxy, f).map((b) => (f.resource === 'epochs' ? b.epochs : b.trainImages));
  return `${f.kind} eta ${f.eta}, rungs of ${amounts.join('/')} ${f.resource === 'epochs' ? 'epochs' : 'training images'}`;
}

/** The data set, checked against the ones the space's task can train on. */
export async function datasetFor(given: string | undefined, task: string): Promise<string> {
  const names: readonly string[] = task === 'fewshot-seg' ? [(await import('../../evaluate/fewshot.ts')).FEWSHOT_DATASET]
    : task === 'segmentation' ? (await import('../../evaluate/seg-proxy.ts')).SEG_DATASETS : DATASET_NAMES;
  const name = given ?? names[0];
  if (!names.includes(name)) throw new UsageError(`--dataset '${name}': a ${task} space trains on ${names.join(', ')}`);
  return name;
}

/** The backend a new run records: the table's stand-in, or the one chosen now for every worker. */
export async function backendName(f: { backend?: string }, config: RunConfig): Promise<string> {
  return config.evaluator.kind === 'table' ? 'table' : chooseBackend(f.backend);
}

function statusText(s: LoopStatus): string {
  const best = s.bestAccuracy === null ? '-' : s.bestAccuracy.toFixed(4);
  return `done ${s.done} running ${s.running} failed ${s.failed} best ${best}`;
}

/** What a strategy may be given besides its config: zero-cost scores of proposals, computed in the search process (screen-scorer.ts). */
export interface StrategyTools { score?: (proposals: readonly Proposal<Genotype>[]) => number[][] }

export type StrategyFactory = (space: Space<Genotype>, c: RunConfig, start: { seed: number } | { state: unknown }, tools?: StrategyTools) => Strategy<Genotype>;

/** The driver of one ask/tell strategy, made by `makeStrategy`. */
export function askTell(makeStrategy: StrategyFactory): RunDriver<RunConfig, RunState, typeof askTellFlagsSchema> {
  return {
    flags: askTellFlagsSchema, help: HELP, configSchema: runConfigSchema, stateSchema: runStateSchema,

    async plan(_strategy, common, own) {
      const spacePath = resolve(common.space);
      const { def, space } = readSpace(spacePath);
      const task = runTaskOf(own, def.task);
      const f = withTaskDefaults({ ...common, ...own }, spaceTaskOf(task));
      const config = configFrom(f, spacePath, task);
      if (config.evaluator.kind === 'table') checkTableFitsSpace(loadTable(config.evaluator.path, columnsAt(config.evaluator.columns, config.proxy)), space);
      const dataset = await datasetFor(f.dataset, task);
      const backend = await backendName(f, config);
      return {
        config, space, task, dataset, backend, workers: config.workers,
        summary: `budget ${config.budget}${config.fidelity ? `, ${fidelitySummary(config)}` : ''}, ${evaluatorSummary(config.evaluator, dataset, backend)}, ${config.workers} workers, seed ${f.seed}` +
          (config.prescreen ? `, pre-screened by ${screenLabel(config.prescreen)} keeping ${config.prescreen.keep * 100} %` : ''),
      };
    },

    async reopen({ store, run, config, workers, force }) {
      if (run.status === 'running' && !force) {
        const beats = [...store.listCandidates(run.id, { status: 'running' }), ...store.listRungs(run.id).filter((r) => r.status === 'running')];
        const last = Math.max(0, ...beats.map((c) => c.heartbeatAt ?? 0));
        const age = Date.now() - last;
        if (age < config.staleAfterMs) {
          throw new UsageError(`run ${run.id} looks alive in another process (a heartbeat ${Math.round(age / 1000)}s ago); ` +
            `if that process is gone, wait ${Math.ceil((config.staleAfterMs - age) / 1000)}s or pass --force`);
        }
      }
      const space = checkInputs(run, config);
      const n = workers ?? Math.min(config.workers, defaultWorkers());
      const k = store.getRunSummary(run.id)!.counts;
      return {
        space, workers: n,
        event: { level: 'info', kind: 'resumed', message: `resumed (was ${run.status}) with ${n} workers` },
        line: `resuming run ${run.id} (${run.status}): ${k.done} done, ${k.failed} failed, ${k.pending + k.running + k.stale} to (re)run, budget ${config.budget}`,
      };
    },

    executorNeeds: (c, workers) => ({
      workers, heartbeatMs: c.heartbeatMs, maxMemoryMb: c.maxMemoryMb, inFlight: c.inFlight, maxAttempts: c.maxAttempts, evaluator: c.evaluator, latency: c.latency,
    }),

    async drive(s) {
      const predictorZc = s.config.predictor?.zeroCost ?? [];
      const tools = predictorZc.length ? { score: await networkScorer(s.run, predictorZc) } : {};
      let strategy = makeStrategy(s.space, s.config, s.state ? { state: s.state.strategy } : { seed: s.run.seed }, tools);
      const screen = s.config.prescreen;
      if (screen) strategy = withPrescreen(strategy, { keep: screen.keep, label: screenLabel(screen), score: await networkScorer(s.run, screen.proxies) });
      let progress: ReturnType<typeof createProgress> | undefined;
      let doneAtStart = -1;
      const onStatus = (st: LoopStatus) => {
        if (!s.progress) return;
        if (doneAtStart < 0) {
          doneAtStart = st.done + st.failed;
          progress = createProgress({ label: `run ${s.run.id}`, total: st.done + st.failed + st.remaining - doneAtStart });
        }
        progress!.setTotal(st.done + st.failed + st.remaining - doneAtStart);
        progress!.update(st.done + st.failed - doneAtStart, `${statusText(st)} (run elapsed ${formatDuration(st.elapsedSeconds)})`);
      };
      try {
        return await runLoop({
          store: s.store, runId: s.run.id, space: s.space, config: s.config, strategy, executor: await s.executor(), signal: s.signal,
          dataset: s.run.dataset, backend: s.run.backend === 'table' ? undefined : s.run.backend, seed: s.run.seed, onStatus, log: s.log,
        });
      } finally {
        progress?.finish();
      }
    },

    report({ store, run, config }, end, out) {
      const summary = store.getRunSummary(run.id)!;
      let done = store.listCandidates(run.id, { status: 'done' });
      out(`run ${run.id} ${end.status}: ${summary.counts.done} done, ${summary.counts.failed} failed of ${config.budget}`);
      if (config.fidelity) {
        const top = topRung(store.listRungs(run.id));
        out(`rungs: ${top.perRung.map((n, k) => `${n} at rung ${k}`).join(', ')}`);
        // Only the top rung's results compare with one another: the front is theirs.
        done = done.filter((c) => top.candidates.has(c.id));
      }
      const front = frontOf(done, config.objectives);
      if (front.length) {
        out(`Pareto front on ${config.objectives.join(', ')}${config.fidelity ? ' at the highest rung reached' : ''} (${front.length} of ${done.length}):`);
        out(formatFront(front, config.objectives));
      }
    },
  };
}
