/**
 * A DARTS run's configuration, stored with the run (runs.config_json) and checked by zod when
 * `resume` reads it back. Defaults are the quick Fashion-MNIST search on the small cell space,
 * sized by bench/darts-step.ts (bench/data/darts-step.md): a first-order step of its supernet costs
 * about 2.5 s of CPU at batch 16 whatever K (the tiny supernet's cost is the number of kernels, not
 * their size) and 4.9 s at batch 64 with K=4, half the CPU per image, in a 2 GB wasm heap where
 * K=1 does not fit. 4 epochs of 2,048 images per half at batch 64 are 128 steps, about 10.5 min
 * of one core, leaving the rest of 15 min for the op latencies and the final training. The
 * architecture learning rate is DARTS's 3e-4 times 33: DARTS takes ~20,000 architecture steps,
 * this search 128, and at 3e-4 its alphas barely leave uniform (max weight 0.127 of 0.125).
 */
import { z } from 'zod';
import { DATASET_NAMES } from '../../data/registry.ts';
import { SEG_DATASETS } from '../../evaluate/seg-proxy.ts';
import { latencyLossSchema } from './latency.ts';
import { ptStateSchema, selectionSchema } from './pt.ts';
import { remedySchema } from './remedies.ts';

export const WEIGHT_SAMPLINGS = ['mixture', 'uniform-cell'] as const;
export const SUPERNET_OPS = ['darts', 'standalone'] as const;

const int = z.int();
export const dartsConfigSchema = z.strictObject({
  strategy: z.literal('darts'),
  /** A space file or the name of a shipped cell space. */
  space: z.string(),
  /** A classification data set, or built-in scenes for a segmentation space. */
  dataset: z.enum([...DATASET_NAMES, ...SEG_DATASETS]),
  dataDir: z.string().optional(),
  /** Images of the weight half (data set's train split) and of the architecture half (its val split). */
  trainImages: int.min(1),
  valImages: int.min(1),
  /** 0 only with the pt selection: it then reads the supernet as initialised (Zero-Cost-PT). */
  epochs: int.min(0),
  batchSize: int.min(2),
  /** Network weights: momentum SGD, cosine from learningRate to minLearningRate per step. */
  learningRate: z.number().positive(),
  minLearningRate: z.number().min(0),
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  clipNorm: z.number().min(0),
  /** Architecture weights: Adam with betas (0.5, 0.999). */
  archLearningRate: z.number().positive(),
  archWeightDecay: z.number().min(0),
  /**
   * Epochs of weight steps only before the architecture steps start (PC-DARTS: 15 of 50): an
   * untrained supernet's convolutions lose to parameter-free ops, so early architecture steps
   * reward those. Runs stored before it existed had none.
   */
  warmupEpochs: int.min(0).default(0),
  /**
   * How the genotype is read off the trained supernet: the largest alphas (DARTS), or DARTS-PT's
   * perturbation-based selection (pt.ts). Runs stored before it existed read the alphas.
   */
  selection: selectionSchema.default({ kind: 'alpha' }),
  order: z.union([z.literal(1), z.literal(2)]),
  /**
   * PC-DARTS: 1/K of each edge's channels go through the mixed operation, with edge normalisation
   * (search/nn/partial-channel.ts); 1 is plain DARTS. Runs stored before it existed were plain.
   */
  partialChannels: int.min(1).default(1),
  /**
   * Worker threads the supernet trains on (strategies/darts/parallel.ts): each takes 1/N of every
   * batch, gradients averaged; 1 trains in the search's own thread. Runs stored before it existed had 1.
   */
  dataParallel: int.min(1).default(1),
  /**
   * The first-order step's two halves: `alternating` (DARTS) takes the architecture step, then
   * the weight step at the new alphas; `simultaneous` computes both gradients at the same weights
   * and alphas and then applies both (the weight step sees the alphas one step late), so that on
   * 2 workers the halves run at once, one on each, each on the whole batch (parallel.ts), and
   * BatchNorm's running statistics follow the weight half's batches only. Runs stored before it
   * existed alternated.
   */
  update: z.enum(['alternating', 'simultaneous']).default('alternating'),
  /**
   * What a weight step trains: `mixture` (DARTS), every op of every edge, weighted by the
   * architecture; `uniform-cell`, one cell drawn uniformly from the space per step, each of its
   * edges one op (single-path training, as SPOS and Li & Talwalkar's random search with weight
   * sharing train), so that the weights learn in the context a discrete cell is scored and
   * derived in, at one op an edge. Architecture steps keep the mixture. Runs stored before it
   * existed: mixture.
   */
  weightSampling: z.enum(WEIGHT_SAMPLINGS).default('mixture'),
  /**
   * How the supernet's candidate ops are built: `darts` as model_search.py (no affine BN, a BN
   * after every pool, so that one edge's ops give features of one scale to sum); `standalone` as a
   * genotype's own network builds them (affine BN, bare pools), so that a single-path supernet
   * scores a cell in the form it is trained alone in. Runs stored before it existed: darts.
   */
  supernetOps: z.enum(SUPERNET_OPS).default('darts'),
  augment: z.boolean(),
  latency: latencyLossSchema,
  remedy: remedySchema,
  /** Also snapshot the alphas every this many steps within an epoch (0: at epoch ends only). */
  snapshotEvery: int.min(0),
  /** Share of parameter-free edges in the derived normal cell that counts as collapse. */
  collapseShare: z.number().gt(0).max(1),
  /** Segmentation spaces: the head and spatial path the supernet is searched with and the derived genotype carries (default: the space's first choices). */
  segmentation: z.strictObject({ head: z.enum(['ppm', 'fpn', 'upsample']).optional(), spatialPath: z.boolean().optional() }).optional(),
  seed: int.min(0),
  backend: z.string().optional(),
  /** Training of the derived genotype from scratch, as evolution's candidates are trained; null skips it. */
  proxy: z.strictObject({
    epochs: int.min(1), trainImages: int.min(1), valImages: int.min(1), batchSize: int.min(1), learningRate: z.number().positive(),
  }).nullable(),
  measure: z.strictObject({
    runtime: z.enum(['tfjs', 'onnxruntime', 'lut', 'none']), warmup: int.min(0), repeats: int.min(1), lutPath: z.string().optional(),
  }),
}).refine((c) => c.epochs > 0 || c.selection.kind === 'pt', {
  path: ['epochs'], message: 'must be at least 1, or 0 with the pt selection (which then reads the untrained supernet)',
}).refine((c) => c.warmupEpochs < c.epochs || (c.selection.kind === 'pt' && c.warmupEpochs === c.epochs), {
  // Perturbation selection reads the weights only: all epochs weight-only is DARTS-PT's fixed-alpha variant.
  path: ['warmupEpochs'], message: 'must be fewer than the epochs (the alphas need an epoch of steps), or equal to them with the pt selection (alphas fixed)',
}).refine((c) => c.remedy.kind !== 'gdas' || c.order === 1, {
  // The second order's finite differences would compare passes down different drawn paths.
  path: ['order'], message: 'the gdas remedy takes the first-order architecture step only (each pass draws its own path): use --order 1',
});
export type DartsConfig = z.infer<typeof dartsConfigSchema>;

export const DEFAULT_DARTS_CONFIG: DartsConfig = {
  strategy: 'darts',
  space: 'darts-fmnist-small',
  dataset: 'fashion-mnist',
  trainImages: 2048,
  valImages: 2048,
  epochs: 4,
  batchSize: 64,
  learningRate: 0.025,
  minLearningRate: 0.001,
  momentum: 0.9,
  weightDecay: 3e-4,
  clipNorm: 5,
  archLearningRate: 1e-2,
  archWeightDecay: 1e-3,
  warmupEpochs: 0,
  selection: { kind: 'alpha' },
  order: 1,
  partialChannels: 4,
  dataParallel: 1,
  update: 'alternating',
  weightSampling: 'mixture',
  supernetOps: 'darts',
  augment: true,
  latency: { weight: 0, form: 'linear' },
  remedy: { kind: 'none', weight: 0 },
  snapshotEvery: 0,
  collapseShare: 0.5,
  seed: 0,
  proxy: { epochs: 2, trainImages: 2000, valImages: 1000, batchSize: 64, learningRate: 0.05 },
  measure: { runtime: 'tfjs', warmup: 5, repeats: 30 },
};

/**
 * What a segmentation space changes in the defaults: the built-in scenes, and sizes for 64x64
 * inputs whose supernet step costs many times a 28x28 one.
 */
export const SEGMENTATION_DARTS_DEFAULTS = {
  dataset: 'scenes-objects',
  trainImages: 256,
  valImages: 256,
  batchSize: 16,
  proxy: { epochs: 4, trainImages: 512, valImages: 128, batchSize: 16, learningRate: 0.01 },
} satisfies Partial<DartsConfig>;

/** Defaults overridden field by field, checked as a whole (errors name the field). */
export function dartsConfig(overrides: Partial<DartsConfig> = {}): DartsConfig {
  const parsed = dartsConfigSchema.safeParse({ ...DEFAULT_DARTS_CONFIG, ...overrides });
  if (!parsed.success) throw new Error(`darts config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** What the run saves with each committed epoch. */
export const dartsStateSchema = z.strictObject({
  /** `select`: the search's epochs are done and the perturbation selection (pt.ts) is under way. */
  phase: z.enum(['search', 'select', 'evaluate', 'done']),
  /** Epochs completed and committed. */
  epoch: int.min(0),
  step: int.min(0),
  /** The checkpoint of the last committed epoch, null before the first. */
  checkpoint: z.string().nullable(),
  /** The per-op latency table the run's loss uses (measured once, so a resumed run sees the same). */
  opLatency: z.record(z.string(), z.number()),
  /** Whether the last derived normal cell counted as collapsed (a warning is recorded on each change into collapse). */
  collapsed: z.boolean(),
  /** The lagrange latency form's multiplier after the last committed step. */
  latencyMultiplier: z.number().min(0).default(0),
  /** The perturbation selection's progress (phase select and after), absent for the alpha selection. */
  pt: ptStateSchema.optional(),
});
export type DartsState = z.infer<typeof dartsStateSchema>;
