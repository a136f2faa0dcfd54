/**
 * The supernet driver for DARTS: trains the supernet of a cell space (strategies/darts/run.ts),
 * stores what it reports, and trains the genotype it derives from scratch as an ordinary
 * candidate through the run's executor. A new weight-sharing trainer (SPOS, Once-for-All) is a
 * driver of the same shape: flags, config and state schemas, a search reporting commits through
 * storeSink, then trainDerived.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { initBackend } from '../../backend/index.ts';
import { DEFAULT_HEARTBEAT_MS } from '../../executor/pool.ts';
import { createInProcessExecutor } from '../../executor/in-process.ts';
import type { Executor } from '../../executor/types.ts';
import type { CellSpace } from '../../space/cell.ts';
import type { CellGenotype } from '../../space/types.ts';
import type { Store } from '../../store/store.ts';
import {
  DEFAULT_DARTS_CONFIG as D, SEGMENTATION_DARTS_DEFAULTS as SD, dartsConfigSchema, dartsStateSchema, SUPERNET_OPS, WEIGHT_SAMPLINGS, type DartsConfig, type DartsState,
} from '../../strategies/darts/config.ts';
import { LATENCY_FORMS, LATENCY_OPS } from '../../strategies/darts/latency.ts';
import { DEFAULT_PT, PT_CRITERIA, SELECTIONS } from '../../strategies/darts/pt.ts';
import { DEFAULT_REMEDY_WEIGHT, REMEDIES } from '../../strategies/darts/remedies.ts';
import { checkDataParallel, checkDataset, checkLatencyOps, checkPartialChannels, checkSelection, defaultPartialChannels, loadCellSpace, searchDarts, type DartsEpochRecord, type DartsHooks } from '../../strategies/darts/run.ts';
import { UsageError } from '../../util/errors.ts';
import { trainDerived } from '../derived.ts';
import type { RunDriver, RunEnd, Sitting } from '../driver.ts';
import { chooseBackend } from '../record.ts';
import { createRun, reopenRun, sit } from '../session.ts';
import { storeSink } from '../sink.ts';
import { reopenAtEpoch } from './epoch-reopen.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();

const flagsSchema = z.strictObject({
  'data-dir': z.string().optional(),
  epochs: int(0).default(D.epochs),
  'train-images': int(2).optional(),
  'val-images': int(2).optional(),
  'batch-size': int(2).optional(),
  lr: num.positive().default(D.learningRate),
  'min-lr': num.min(0).default(D.minLearningRate),
  'arch-lr': num.positive().default(D.archLearningRate),
  'warmup-epochs': int(0).default(D.warmupEpochs),
  selection: z.enum(SELECTIONS).default('alpha'),
  'pt-criterion': z.enum(PT_CRITERIA).optional(),
  'pt-val-images': int(1).optional(),
  'pt-tune-steps': int(0).optional(),
  order: z.enum(['1', '2']).default('1'),
  'partial-channels': int(1).optional(),
  'data-parallel': int(1).default(D.dataParallel),
  update: z.enum(['alternating', 'simultaneous']).default(D.update),
  'weight-sampling': z.enum(WEIGHT_SAMPLINGS).default(D.weightSampling),
  'supernet-ops': z.enum(SUPERNET_OPS).default(D.supernetOps),
  'no-augment': z.boolean().optional(),
  'latency-weight': num.min(0).default(D.latency.weight),
  'latency-form': z.enum(LATENCY_FORMS).default(D.latency.form),
  'latency-target': num.positive().optional(),
  'target-latency': num.positive().optional(),
  'latency-ops': z.enum(LATENCY_OPS).optional(),
  remedy: z.enum(REMEDIES).default('none'),
  'remedy-weight': num.min(0).optional(),
  'snapshot-every': int(0).default(D.snapshotEvery),
  'collapse-share': num.gt(0).max(1).default(D.collapseShare),
  'no-final': z.boolean().optional(),
  'proxy-epochs': int(1).optional(),
  'proxy-train-images': int(10).optional(),
  'proxy-val-images': int(10).optional(),
  head: z.enum(['ppm', 'fpn', 'upsample']).optional(),
  'spatial-path': z.boolean().optional(),
  'latency-runtime': z.enum(['tfjs', 'onnxruntime', 'none']).default('tfjs'),
});

const HELP = `  a cell space; --dataset default ${D.dataset} (segmentation: ${SD.dataset});  --data-dir DIR
  --epochs E (default ${D.epochs})  --train-images N --val-images N (the two halves; default ${D.trainImages} each, segmentation ${SD.trainImages})
  --batch-size B (${D.batchSize}; segmentation ${SD.batchSize})  --lr LR --min-lr LR (weights: momentum SGD, cosine)  --arch-lr LR (alphas: Adam)
  --warmup-epochs W  epochs of weight steps only before the architecture steps start (default ${D.warmupEpochs})
  --selection alpha|pt  how the genotype is read off the supernet: the largest alphas (default), or
                     DARTS-PT's perturbation (per edge the op whose removal costs the most validation accuracy,
                     then per node the two edges whose removal costs most); with --warmup-epochs equal to --epochs
                     the alphas stay fixed (DARTS-PT's fixed-alpha variant)
  --pt-criterion accuracy|jacob_cov   what a pt candidate is judged by: the supernet's accuracy (default,
                     DARTS-PT), or the zero-cost proxy jacob_cov of the supernet (Zero-Cost-PT); with --epochs 0
                     the selection reads the untrained supernet, as Zero-Cost-PT does
  --pt-val-images N  architecture-half images each pt candidate is scored on (default ${DEFAULT_PT.valImages})
  --pt-tune-steps N  weight steps after each pt decision (default ${DEFAULT_PT.tuneSteps})
  --order 1|2        first-order, or the finite-difference second-order architecture gradient
  --partial-channels K   PC-DARTS: 1/K of each edge's channels through the mixed op, edge normalisation (default ${D.partialChannels},
                     or the largest K below that splits the space's C into even parts; 1: plain DARTS)
  --data-parallel N  train the supernet on N worker threads, each on 1/N of every batch, gradients
                     averaged (default ${D.dataParallel}; first order only)
  --update alternating|simultaneous   the first-order step's halves: the architecture step, then the weight
                     step at the new alphas (default ${D.update}, DARTS); or both gradients at the same weights and
                     alphas, then both applied, so the weight step sees the alphas one step late. With
                     --data-parallel 2 the simultaneous halves run at once, one per worker, each on the whole batch
  --weight-sampling mixture|uniform-cell   what a weight step trains: every op of every edge, weighted
                     (default ${D.weightSampling}, DARTS); or one cell drawn uniformly per step, one op an edge
                     (single-path, as SPOS), the context a discrete cell is scored in; the alphas' steps keep the mixture
  --supernet-ops darts|standalone   the supernet's candidate ops as DARTS builds them (default: no affine BN,
                     a BN after every pool) or as a genotype's network does (affine BN, bare pools)
  --latency-weight W --latency-form linear|multiplicative|lagrange --latency-target MS   latency-aware loss
                     (lagrange: a constraint E[latency] <= MS with a multiplier that rises by W per step while over it)
  --latency-ops all|weighted|priced   the ops the expected latency prices: all (default), or only those with
                     weights, each edge's weights renormalised over them, so that the term never rewards a skip,
                     pool or zero for being cheap (E[latency] and --latency-target are then over those ops);
                     priced: weighted, plus each parameter-free op dearer than its edge's weighted expectation
                     at its odds against the weighted ops (a dear pool pushed down, a cheap op never rewarded)
  --remedy none|beta|drnas|darts-minus|gdas --remedy-weight W   against the collapse to parameter-free ops: beta-DARTS
                     (W: regulariser, default ${DEFAULT_REMEDY_WEIGHT.beta}), DrNAS Dirichlet weights (W: KL scale, ${DEFAULT_REMEDY_WEIGHT.drnas}),
                     DARTS- auxiliary skip (W: its first coefficient, ${DEFAULT_REMEDY_WEIGHT['darts-minus']}), GDAS: one op per edge
                     drawn by Gumbel-max each pass, computed alone (W: the temperature's start, ${DEFAULT_REMEDY_WEIGHT.gdas}, annealed to 0.1)
  --snapshot-every K  also record the alphas every K steps   --collapse-share S (default ${D.collapseShare})
  --head ppm|fpn|upsample --spatial-path   segmentation spaces: the head and spatial path searched with
                     and kept in the genotype (default: the space's first choices)
  --no-final         skip training the derived genotype from scratch
  --proxy-epochs E --proxy-train-images N --proxy-val-images N --latency-runtime tfjs|onnxruntime|none
  --no-augment`;

type Flags = z.output<typeof flagsSchema>;

function selectionOf(f: Flags): DartsConfig['selection'] {
  if (f.selection === 'pt') {
    return { kind: 'pt', criterion: f['pt-criterion'] ?? DEFAULT_PT.criterion, valImages: f['pt-val-images'] ?? DEFAULT_PT.valImages, tuneSteps: f['pt-tune-steps'] ?? DEFAULT_PT.tuneSteps };
  }
  const stray = (['pt-criterion', 'pt-val-images', 'pt-tune-steps'] as const).find((k) => f[k] !== undefined);
  if (stray) throw new UsageError(`--${stray}: applies to --selection pt only`);
  return { kind: 'alpha' };
}

/** The latency term's config; --latency-ops without a term to shape is refused rather than ignored. */
function latencyOf(f: Flags): DartsConfig['latency'] {
  if (f['latency-ops'] !== undefined && f['latency-weight'] === 0) throw new UsageError(`--latency-ops ${f['latency-ops']}: applies to a latency term only (give --latency-weight W > 0)`);
  return { weight: f['latency-weight'], form: f['latency-form'], targetMs: f['latency-target'] ?? f['target-latency'], ...(f['latency-ops'] ? { ops: f['latency-ops'] } : {}) };
}

function configOf(space: CellSpace, spacePath: string, common: { dataset?: string; seed: number; backend?: string }, f: Flags): DartsConfig {
  const seg = space.def.task === 'segmentation';
  // A segmentation supernet's spatial path and head are DARTS-built whatever its edges are.
  if (seg && f['supernet-ops'] === 'standalone') throw new UsageError(`--supernet-ops standalone: classification cell spaces only; '${space.name}' is a segmentation space`);
  // A segmentation space starts from its own sizes (64x64 scenes cost far more per image than 28x28 digits).
  const base: DartsConfig = seg ? { ...D, ...SD } : D;
  const segmentation = f.head !== undefined || f['spatial-path'] !== undefined ? { head: f.head, spatialPath: f['spatial-path'] } : undefined;
  const config = {
    ...base, space: spacePath, dataset: common.dataset ?? base.dataset, dataDir: f['data-dir'], seed: common.seed, backend: common.backend, segmentation,
    epochs: f.epochs, trainImages: f['train-images'] ?? base.trainImages, valImages: f['val-images'] ?? base.valImages, batchSize: f['batch-size'] ?? base.batchSize,
    learningRate: f.lr, minLearningRate: f['min-lr'], archLearningRate: f['arch-lr'], warmupEpochs: f['warmup-epochs'], selection: selectionOf(f), order: f.order === '2' ? 2 : 1, augment: !f['no-augment'],
    partialChannels: f['partial-channels'] ?? defaultPartialChannels(space, base.partialChannels), dataParallel: f['data-parallel'], update: f.update, weightSampling: f['weight-sampling'], supernetOps: f['supernet-ops'],
    latency: latencyOf(f),
    remedy: { kind: f.remedy, weight: f.remedy === 'none' ? 0 : f['remedy-weight'] ?? DEFAULT_REMEDY_WEIGHT[f.remedy] },
    snapshotEvery: f['snapshot-every'], collapseShare: f['collapse-share'],
    proxy: f['no-final'] ? null : {
      ...base.proxy!, epochs: f['proxy-epochs'] ?? base.proxy!.epochs, trainImages: f['proxy-train-images'] ?? base.proxy!.trainImages, valImages: f['proxy-val-images'] ?? base.proxy!.valImages,
    },
    measure: { ...D.measure, runtime: f['latency-runtime'] },
  };
  const parsed = dartsConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue.path[0] === 'dataset' ? `--dataset '${config.dataset}'` : `darts: ${issue.path.join('.')}`}: ${issue.message}`);
  }
  return parsed.data;
}

/** A DARTS sitting's end, with what it derived and trained. */
export type DartsEnd = RunEnd & { genotype: CellGenotype | null; candidateId: number | null; epochs: DartsEpochRecord[] };

/** The whole of a DARTS sitting: search (from the stored state), then the final training. */
export async function driveDarts(s: Sitting<DartsConfig, DartsState>, hooks: DartsHooks): Promise<DartsEnd> {
  const { store, run, config: c } = s;
  const space = s.space as unknown as CellSpace;
  await initBackend({ backend: run.backend });
  let searched;
  try {
    searched = await searchDarts({ config: c, space, state: s.state, checkpointDir: s.checkpointDir, sink: storeSink(store, run.id) }, hooks);
  } catch (err) {
    store.updateRunStatus(run.id, 'failed', (err as Error).message);
    throw err;
  }
  if (searched.status === 'stopped') {
    store.updateRunStatus(run.id, 'stopped');
    return { status: 'stopped', genotype: null, candidateId: null, epochs: searched.epochs };
  }
  const { genotype, state, epochs } = searched;
  const done: DartsState = { ...state, phase: 'done' };
  if (!c.proxy) {
    store.transaction(() => { store.saveRunState(run.id, done); store.updateRunStatus(run.id, 'finished'); });
    return { status: 'finished', genotype, candidateId: null, epochs };
  }
  const end = await trainDerived(s, {
    genotype, key: space.key(genotype), generation: c.epochs, dataset: c.dataset, budget: c.proxy, latency: c.measure, seed: c.seed, source: 'darts',
  }, done);
  return { ...end, genotype, epochs };
}

export const dartsDriver: RunDriver<DartsConfig, DartsState, typeof flagsSchema> = {
  flags: flagsSchema,
  booleans: ['no-augment', 'no-final', 'spatial-path'],
  help: HELP,
  configSchema: dartsConfigSchema,
  stateSchema: dartsStateSchema,

  async plan(_strategy, common, own) {
    const spacePath = resolve(common.space);
    // Checked before the database is opened, so that a wrong space leaves no trace in it.
    const space = loadCellSpace(spacePath);
    const config = configOf(space, spacePath, common, own);
    checkDataset(config, space);
    checkPartialChannels(config, space);
    checkDataParallel(config);
    checkSelection(config, space);
    checkLatencyOps(config, space);
    const backend = await chooseBackend(config.backend);
    return { config, space, dataset: config.dataset, backend, workers: 1, summary: `${config.epochs} epochs on ${config.dataset} (${backend}), seed ${config.seed}` };
  },

  async reopen({ run, config, state }) {
    return reopenAtEpoch('darts', run, config, state, loadCellSpace(config.space));
  },

  // The supernet trains in this process; the executor trains the one derived genotype.
  executorNeeds: (c) => ({
    workers: 1, heartbeatMs: DEFAULT_HEARTBEAT_MS, maxMemoryMb: null, inFlight: 1, maxAttempts: 1, evaluator: { kind: 'proxy' }, latency: c.measure,
  }),

  drive: (s) => driveDarts(s, { progress: s.progress, signal: s.signal, log: s.log }),

  report({ store, run }, end, out) {
    const cand = store.listCandidates(run.id).at(-1);
    // The perturbation selection's genotype is not any epoch's (those are read off the alphas).
    const genotype = (end as Partial<DartsEnd>).genotype ?? store.listEpochs(run.id, null).at(-1)?.genotype ?? null;
    out(`run ${run.id} ${end.status}`);
    if (end.status === 'finished') {
      out(JSON.stringify({ run: run.id, genotype, candidate: cand?.id ?? null, metrics: cand?.metrics ?? null }));
    }
  },
};

/** What a programmatic DARTS run (tests, bench/darts.ts) answers. */
export type DartsOutcome = DartsEnd & { runId: number };

export interface DartsRunOptions extends DartsHooks {
  /** Trains the derived genotype; default: in this process. */
  executor?: Executor;
  name?: string;
}

async function sitDarts(store: Store, runId: number, space: CellSpace, o: DartsRunOptions): Promise<DartsOutcome> {
  const { executor = createInProcessExecutor(), ...hooks } = o;
  const end = await sit({ store, runId, driver: dartsDriver, space, workers: 1, executor, signal: hooks.signal, log: hooks.log, drive: (s) => driveDarts(s, hooks) });
  return { ...end, runId };
}

/** Starts a DARTS run in the store from a config (defaults for what it leaves out) and drives it. */
export async function runDarts(config: Partial<DartsConfig> & Pick<DartsConfig, 'space'>, store: Store, o: DartsRunOptions = {}): Promise<DartsOutcome> {
  const space = loadCellSpace(config.space);
  const parsed = dartsConfigSchema.safeParse({ ...D, partialChannels: defaultPartialChannels(space, D.partialChannels), ...config });
  if (!parsed.success) throw new UsageError(`darts: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ')}`);
  const c = parsed.data;
  checkDataset(c, space);
  checkPartialChannels(c, space);
  checkDataParallel(c);
  checkSelection(c, space);
  checkLatencyOps(c, space);
  const backend = (await initBackend({ backend: c.backend })).name;
  const run = createRun(store, { config: c, space, dataset: c.dataset, backend, workers: 1, summary: `${c.epochs} epochs on ${c.dataset}` }, {
    strategy: 'darts', name: o.name, seed: c.seed, versions: { node: process.versions.node }, commandLine: '',
  });
  return sitDarts(store, run.id, space, o);
}

/** Continues a stopped or killed DARTS run, as `cellscape resume` does. */
export async function resumeDarts(runId: number, store: Store, o: DartsRunOptions = {}): Promise<DartsOutcome> {
  const run = store.getRun(runId);
  if (!run) throw new UsageError(`no run ${runId} in ${store.path}`);
  const { space } = await reopenRun(store, run, dartsDriver);
  return sitDarts(store, runId, space as CellSpace, o);
}
