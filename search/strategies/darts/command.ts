/**
 * The command-line face of DARTS: `cellscape search --strategy darts [flags]` and resuming a
 * DARTS run. search.ts and resume.ts hand over to these when the strategy is darts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DATASET_NAMES } from '../../data/registry.ts';
import { SEG_DATASETS } from '../../evaluate/seg-proxy.ts';
import { parseFlags } from '../../run/flags.ts';
import { packageVersions } from '../../run/record.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { openStore } from '../../store/store.ts';
import { UsageError } from '../../util/errors.ts';
import { DEFAULT_DARTS_CONFIG as D, SEGMENTATION_DARTS_DEFAULTS as SD, type DartsConfig } from './config.ts';
import { LATENCY_FORMS } from './latency.ts';
import { REMEDIES } from './remedies.ts';
import { resumeDarts, runDarts, type DartsHooks, type DartsOutcome } from './run.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const num = z.coerce.number();

const flagsSchema = z.strictObject({
  strategy: z.literal('darts'),
  space: z.string().default(D.space),
  dataset: z.enum([...DATASET_NAMES, ...SEG_DATASETS]).optional(),
  'data-dir': z.string().optional(),
  db: z.string().default('runs.db'),
  name: z.string().optional(),
  seed: int(0).default(D.seed),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  epochs: int(1).default(D.epochs),
  'train-images': int(2).optional(),
  'val-images': int(2).optional(),
  'batch-size': int(2).optional(),
  lr: num.positive().default(D.learningRate),
  'min-lr': num.min(0).default(D.minLearningRate),
  'arch-lr': num.positive().default(D.archLearningRate),
  order: z.enum(['1', '2']).default('1'),
  'no-augment': z.boolean().optional(),
  'latency-weight': num.min(0).default(D.latency.weight),
  'latency-form': z.enum(LATENCY_FORMS).default(D.latency.form),
  'target-latency': num.positive().optional(),
  remedy: z.enum(REMEDIES).default('none'),
  'remedy-weight': num.min(0).default(1),
  'snapshot-every': int(0).default(D.snapshotEvery),
  'collapse-share': num.gt(0).max(1).default(D.collapseShare),
  'no-final': z.boolean().optional(),
  'proxy-epochs': int(1).optional(),
  'proxy-train-images': int(10).optional(),
  'proxy-val-images': int(10).optional(),
  head: z.enum(['ppm', 'fpn', 'upsample']).optional(),
  'spatial-path': z.boolean().optional(),
  'latency-runtime': z.enum(['tfjs', 'onnxruntime', 'none']).default('tfjs'),
  help: z.boolean().optional(),
});

export const DARTS_HELP = `Usage: cellscape search --strategy darts [options]

  --space FILE|NAME  a cell space (default ${D.space})   --dataset NAME (default ${D.dataset}; segmentation: ${SD.dataset}) --data-dir DIR
  --epochs E (default ${D.epochs})  --train-images N --val-images N (the two halves; default ${D.trainImages} each, segmentation ${SD.trainImages})
  --batch-size B (${D.batchSize}; segmentation ${SD.batchSize})  --lr LR --min-lr LR (weights: momentum SGD, cosine)  --arch-lr LR (alphas: Adam)
  --order 1|2        first-order, or the finite-difference second-order architecture gradient
  --latency-weight W --latency-form linear|multiplicative --target-latency MS   latency-aware loss
  --remedy none|beta --remedy-weight W     beta-DARTS regularisation against skip collapse
  --snapshot-every K  also record the alphas every K steps   --collapse-share S (default ${D.collapseShare})
  --head ppm|fpn|upsample --spatial-path   segmentation spaces: the head and spatial path searched with
                     and kept in the genotype (default: the space's first choices)
  --no-final         skip training the derived genotype from scratch
  --proxy-epochs E --proxy-train-images N --proxy-val-images N --latency-runtime tfjs|onnxruntime|none
  --no-augment --seed S --db FILE --name TEXT --backend tensorflow|wasm|cpu`;

function printOutcome(o: DartsOutcome, db: string): number {
  if (o.status === 'stopped') { console.log(`run ${o.runId} stopped; continue with: cellscape resume ${o.runId} --db ${db}`); return 130; }
  if (o.status === 'failed') { console.error(`run ${o.runId} failed: ${o.error}`); return 1; }
  console.log(JSON.stringify({ run: o.runId, genotype: o.genotype, candidate: o.candidateId, accuracy: o.result?.accuracy ?? null, latencyMs: o.result?.latencyMs ?? null, params: o.result?.params ?? null }));
  return 0;
}

/** Ctrl-C stops after the current step (the last committed epoch stays resumable); a second one kills. */
function interruptible(): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    console.error('\nstopping after this step (Ctrl-C again to kill)');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: ac.signal, done: () => process.off('SIGINT', onSigint) };
}

const hooksFor = (signal: AbortSignal): DartsHooks => ({ progress: true, signal, log: (line) => console.error(line), versions: packageVersions() });

export async function dartsSearchCommand(argv: string[]): Promise<number> {
  const { flags: f } = parseFlags(argv, flagsSchema, { booleans: ['help', 'no-augment', 'no-final', 'spatial-path'] });
  if (f.help) { console.log(DARTS_HELP); return 0; }
  const spacePath = resolve(resolveSpacePath(f.space));
  const space = loadSpace(spacePath);
  // Checked before the database is opened, so that a wrong space leaves no trace in it.
  if (space.family !== 'cell') throw new UsageError(`--space ${f.space}: DARTS searches cell spaces; this is a ${space.family} space`);
  const seg = space.def.task === 'segmentation';
  // A segmentation space starts from its own sizes (64x64 scenes cost far more per image than 28x28 digits).
  const base: DartsConfig = seg ? { ...D, ...SD } : D;
  const segmentation = f.head !== undefined || f['spatial-path'] !== undefined ? { head: f.head, spatialPath: f['spatial-path'] } : undefined;
  const config: DartsConfig = {
    ...base, space: spacePath, dataset: f.dataset ?? base.dataset, dataDir: f['data-dir'], seed: f.seed, backend: f.backend, segmentation,
    epochs: f.epochs, trainImages: f['train-images'] ?? base.trainImages, valImages: f['val-images'] ?? base.valImages, batchSize: f['batch-size'] ?? base.batchSize,
    learningRate: f.lr, minLearningRate: f['min-lr'], archLearningRate: f['arch-lr'], order: f.order === '2' ? 2 : 1, augment: !f['no-augment'],
    latency: { weight: f['latency-weight'], form: f['latency-form'], targetMs: f['target-latency'] },
    remedy: { kind: f.remedy, weight: f.remedy === 'none' ? 0 : f['remedy-weight'] },
    snapshotEvery: f['snapshot-every'], collapseShare: f['collapse-share'],
    proxy: f['no-final'] ? null : {
      ...base.proxy!, epochs: f['proxy-epochs'] ?? base.proxy!.epochs, trainImages: f['proxy-train-images'] ?? base.proxy!.trainImages, valImages: f['proxy-val-images'] ?? base.proxy!.valImages,
    },
    measure: { ...D.measure, runtime: f['latency-runtime'] },
  };
  const dbExisted = existsSync(f.db);
  const store = openStore(f.db);
  const stop = interruptible();
  try {
    console.error(`darts search over ${config.space} on ${config.dataset} into ${f.db}${dbExisted ? '' : ' (new)'}`);
    const out = await runDarts(config, store, { ...hooksFor(stop.signal), name: f.name, commandLine: ['cellscape', 'search', ...argv].join(' ') });
    return printOutcome(out, f.db);
  } finally {
    stop.done();
    store.close();
  }
}

/** For `cellscape resume RUN` when the run's strategy is darts. */
export async function dartsResumeCommand(runId: number, db: string): Promise<number> {
  const store = openStore(db);
  const stop = interruptible();
  try {
    return printOutcome(await resumeDarts(runId, store, hooksFor(stop.signal)), db);
  } finally {
    stop.done();
    store.close();
  }
}
