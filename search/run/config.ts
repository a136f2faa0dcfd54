/**
 * Everything a search run needs besides its space, as stored with the run (runs.config_json):
 * `cellscape resume` rebuilds the run from it, so every choice that shapes which candidates are
 * proposed or how they are evaluated lives here, checked by zod when read back.
 */
import { z } from 'zod';
import { constraintSchema, fitnessSchema, metricSchema } from '../strategies/fitness.ts';
import { evaluatorSpecSchema } from '../evaluate/registry.ts';
import { metricNames } from '../contracts/metrics.ts';
import { proxyListSchema } from '../evaluate/zero-cost/index.ts';
import { fidelitySchema } from '../strategies/fidelity/rungs.ts';

/** Objectives a front and its hypervolume may use: any registered metric (score is a fitness, not an objective). */
export const OBJECTIVES = metricNames;

export const runConfigSchema = z.strictObject({
  /** The space as given on the command line, resolved to a file path. */
  spacePath: z.string(),
  /** An ask/tell strategy of the registry (registry.ts). */
  strategy: z.string(),
  /** The genotypes a 'list' run evaluates, in order. */
  genotypes: z.array(z.unknown()).optional(),
  /** Candidates proposed in all (failed ones count). */
  budget: z.int().min(1),
  population: z.int().min(2),
  sample: z.int().min(1),
  crossover: z.number().min(0).max(1),
  /** NSGA-II's first population (strategies/nsga2.ts); runs stored before it existed started at random. */
  start: z.enum(['random', 'spread']).optional(),
  fitness: fitnessSchema,
  /** Set when the user chose a score (--score): multi-objective search then ranks by it alone. */
  scalar: z.boolean(),
  constraints: z.array(constraintSchema),
  objectives: z.array(metricSchema).min(1),
  evaluator: evaluatorSpecSchema,
  /** `--prescreen`: proposals drawn 1/keep times over and cut to the best by these proxies' vote (strategies/prescreen.ts). */
  prescreen: z.strictObject({ proxies: proxyListSchema.min(1), keep: z.number().gt(0).max(1) }).optional(),
  /** `--strategy bananas`: its acquisition function, and the zero-cost proxies its predictor reads besides the encoding. */
  predictor: z.strictObject({ acquisition: z.enum(['its', 'ucb']), zeroCost: proxyListSchema }).optional(),
  proxy: z.strictObject({
    epochs: z.int().min(1),
    trainImages: z.int().min(1),
    valImages: z.int().min(1),
    batchSize: z.int().min(1),
    learningRate: z.number().positive(),
    recipe: z.strictObject({
      optimizer: z.enum(['momentum', 'adam']),
      warmupFraction: z.number().min(0).max(1),
      labelSmoothing: z.number().min(0).max(1),
      augment: z.boolean(),
    }).optional(),
    split: z.enum(['val', 'test']).optional(),
  }),
  /** Multi-fidelity search (ASHA, Hyperband): rungs up to the proxy budget; absent, every candidate gets the proxy budget once. */
  fidelity: fidelitySchema.optional(),
  latency: z.strictObject({
    runtime: z.enum(['tfjs', 'onnxruntime', 'lut', 'none']),
    warmup: z.int().min(0),
    repeats: z.int().min(1),
    lutPath: z.string().optional(),
  }),
  /**
   * Proposals out at once. Results are told to the strategy in the order it proposed them, and
   * after each one it is asked to refill to this many, so the candidates a seed gives depend on
   * this number, not on the number of workers or on timing.
   */
  inFlight: z.int().min(1),
  workers: z.int().min(1),
  maxAttempts: z.int().min(1),
  heartbeatMs: z.int().min(10),
  staleAfterMs: z.int().min(100),
  timeLimitMs: z.int().min(1).nullable(),
  maxMemoryMb: z.int().min(16).nullable(),
  /** The run stops as failed after this many failures in a row (a broken setup, not bad luck). */
  maxConsecutiveFailures: z.int().min(1),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** What the loop saves with each step, next to the strategy's own state. */
export const runStateSchema = z.strictObject({
  strategy: z.unknown(),
  /** Candidates (in id order) whose results the strategy has been told. */
  told: z.int().min(0),
  /** The strategy once proposed fewer than asked: the space is used up, ask no more. */
  exhausted: z.boolean(),
  /** Hypervolume reference point, in objective units, fixed once early results show the scale. */
  hvReference: z.array(z.number()).nullable(),
});
export type RunState = z.infer<typeof runStateSchema>;
