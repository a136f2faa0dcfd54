/**
 * What a DARTS search trains, in one place: the supernet, the architecture parameters, both
 * optimizers and the architecture loss (latency and remedy terms), with the two halves of a
 * search step split into gradients and their application. The search loop (run.ts) holds one;
 * with data parallelism (parallel.ts) every worker holds one more, built from the same config
 * and seed, and applies the workers' averaged gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../nn/module.ts';
import type { Network } from '../../nn/network.ts';
import { buildSupernet } from '../../space/build.ts';
import { buildSegmentationSupernet } from '../../space/seg-build.ts';
import type { CellSpace } from '../../space/cell.ts';
import type { CellGenotype } from '../../space/types.ts';
import { loadOptimizer, loadWeights, saveOptimizer, saveWeights, type SavedTensor } from '../../train/checkpoint.ts';
import { createStepper, type Stepper } from '../../train/optimizer.ts';
import { FNV_OFFSET, hex32 } from '../../train/data-parallel/digest.ts';
import type { CellType } from '../supernet.ts';
import { createRng, type Rng } from '../../util/rng.ts';
import { createArchParams, foldDraw, type ArchParams, type Mixer } from './arch.ts';
import {
  applyWeightGradients, archGradientsFirstOrder, archStepSecondOrder, createArchOptimizer, weightGradients, type ArchLoss, type ArchOptimizer, type DartsBatch, type StepMetrics,
} from './bilevel.ts';
import type { DartsConfig } from './config.ts';
import { expectedLatency, latencyAwareLoss, latencyMatrices, pricedOps, supernetSites, uniformLatency, type LatencyMatrices, type LatencyPricing } from './latency.ts';
import { auxSkipAt, remedyMixer, remedyTerm } from './remedies.ts';
import { fixedMixer, genotypeWeights, supernetWeights } from './supernet-score.ts';

/** Where a step stands: what its mixer, learning rate and architecture loss depend on. */
export interface DartsStepArgs { epoch: number; step: number; totalSteps: number; lr: number; multiplier: number }

/** An architecture step's figures, with the expected latency it saw (for the lagrange multiplier; 0 for the other forms). */
export type ArchStepMetrics = StepMetrics & { expectedMs: number };

/** The trained state of a session, as a checkpoint stores it. */
export interface SessionState { weights: SavedTensor[]; alphas: SavedTensor[]; weightOptimizer: SavedTensor[]; archOptimizer: SavedTensor[] }

export interface DartsSession {
  readonly net: Network;
  readonly weights: NamedVariable[];
  readonly arch: ArchParams;
  readonly lat: LatencyMatrices;
  /** What the latency term prices (latency.ts pricedOps; null: every op). */
  readonly priced: LatencyPricing;
  /** The uniform-weight expected latency, the latency term's scale when no target is given. */
  readonly latScale: number;
  archGradients(val: DartsBatch, a: DartsStepArgs): { grads: tf.Tensor[]; metrics: ArchStepMetrics };
  applyArchGradients(grads: tf.Tensor[]): void;
  /** The second-order architecture step (gradients and update in one: its virtual step needs the weights in between). */
  archStepSecondOrder(train: DartsBatch, val: DartsBatch, a: DartsStepArgs): ArchStepMetrics;
  weightGradients(train: DartsBatch, a: DartsStepArgs): { grads: tf.Tensor[]; metrics: StepMetrics };
  applyWeightGradients(grads: tf.Tensor[], a: DartsStepArgs): void;
  /**
   * Draws one forward pass's mixing weights and drops them: where a half of the step runs on
   * another worker, this one still moves the epoch's Dirichlet (DrNAS) or Gumbel (GDAS) generator as the half
   * would, at the same alphas, so that every worker's next draw is the same.
   */
  skipHalf(phase: 'arch' | 'weight', a: DartsStepArgs): void;
  /**
   * What the half's passes drew at random at its last computation or skip, as a digest per cell
   * type ('normal 1a2b3c4d reduce 5e6f7a8b'): GDAS's ops, DrNAS's weights, a uniform-cell step's
   * cell; null where the half draws nothing (the plain mixture) or the run is one thread.
   * Data-parallel workers report it for the group to compare (parallel.ts).
   */
  drawn(half: 'arch' | 'weight'): string | null;
  save(): Promise<SessionState>;
  /** Loads a saved state; without optimizer slots (a fresh run) only the weights and alphas. */
  load(s: SessionState): Promise<void>;
  dispose(): void;
}

/**
 * The supernet; a segmentation one with the head and spatial path fixed for the whole search.
 * `plain`: every edge a full MixedOp, whatever the config's partial channels and remedy (the
 * latency sites are the derived network's ops, at full width).
 */
function supernetOf(space: CellSpace, c: DartsConfig, rng: Rng, plain = false): Network {
  const edges = plain ? {} : { partialChannels: c.partialChannels, auxiliarySkip: c.remedy.kind === 'darts-minus', standaloneOps: c.supernetOps === 'standalone' };
  return space.def.task === 'segmentation' ? buildSegmentationSupernet(space, { rng, ...c.segmentation, edges }) : buildSupernet(space, { rng, edges });
}

/** Runs fn on the latency sites of the space's plain supernet (built for it, then disposed). */
export function withLatencySites<T>(space: CellSpace, c: DartsConfig, fn: (sites: ReturnType<typeof supernetSites>) => T): T {
  const net = supernetOf(space, c, createRng(c.seed), true);
  try {
    return fn(supernetSites(net));
  } finally {
    net.dispose();
  }
}

/** The generator of DrNAS's Dirichlet samples and GDAS's Gumbel noise in an epoch: a function of seed and epoch, so that a resumed epoch draws what an uninterrupted one would. */
const epochRng = (c: DartsConfig, epoch: number): Rng => createRng([0x5eed, c.seed >>> 0, epoch, 0xd1c7]);

/** A `uniform-cell` weight step's cell: a function of seed and step alone, so that a resumed run and every data-parallel worker draw the same one. */
export const stepCell = (space: CellSpace, seed: number, step: number): CellGenotype => space.sample(createRng([0xce11, seed >>> 0, step, 0x5a3b]));

/** A `uniform-cell` weight step's forward context: its cell as one-hot rows; with edge normalisation its edges keep the current edge weights, as a scored genotype's do (genotypeWeights). */
function sampledCellMixer(space: CellSpace, c: DartsConfig, arch: ArchParams, a: DartsStepArgs): Mixer {
  const mix = fixedMixer(genotypeWeights(stepCell(space, c.seed, a.step), supernetWeights(arch), arch.ops, arch.nodes));
  const auxSkip = auxSkipAt(c.remedy, a.step, a.totalSteps);
  return () => ({ ...mix(), ...(auxSkip ? { auxSkip } : {}) });
}

/** The alphas as a module, so that train/checkpoint saves and loads them by name like weights. */
export function archModule(arch: ArchParams): Parameters<typeof saveWeights>[0] {
  return { variables: () => arch.named, buffers: () => [] } as unknown as Parameters<typeof saveWeights>[0];
}

/** A session from the config's seed; `opLatency` is the run's per-op latency table (state.opLatency). */
export function createDartsSession(space: CellSpace, c: DartsConfig, opLatency: Record<string, number>): DartsSession {
  const ops = [...space.def.cell.ops];
  const nodes = space.def.cell.nodes;
  const edges = (nodes * (nodes + 3)) / 2;
  const lat = withLatencySites(space, c, (sites) => latencyMatrices(sites, edges, ops.length, (k) => opLatency[k]));
  const priced = pricedOps(ops, c.latency.ops);
  const latScale = uniformLatency(lat, priced);
  const rng = createRng(c.seed);
  const net = supernetOf(space, c, rng);
  const arch = createArchParams(ops, nodes, rng, { edgeNormalization: c.partialChannels > 1 });
  const weights = net.variables();
  const stepper: Stepper = createStepper(weights, { kind: 'momentum', learningRate: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay, weightDecayMode: 'l2', clipNorm: c.clipNorm });
  const archOpt: ArchOptimizer = createArchOptimizer(arch, { learningRate: c.archLearningRate, weightDecay: c.archWeightDecay });

  // The epoch's Dirichlet (DrNAS) or Gumbel (GDAS) generator, drawn from in step order by both halves of every step.
  let rngEpoch = -1;
  let rng_: Rng = epochRng(c, 0);
  const mixerAt = (a: DartsStepArgs): Mixer => {
    if (a.epoch !== rngEpoch) { rngEpoch = a.epoch; rng_ = epochRng(c, a.epoch); }
    // GDAS's tau anneals over the epochs with architecture steps, as beta's ramp runs.
    return remedyMixer(c.remedy, arch, { rng: rng_, step: a.step, totalSteps: a.totalSteps, epoch: a.epoch - c.warmupEpochs, epochs: c.epochs - c.warmupEpochs });
  };
  const weightMixer = (a: DartsStepArgs): Mixer => (c.weightSampling === 'uniform-cell' ? sampledCellMixer(space, c, arch, a) : mixerAt(a));
  // What each half's passes drew at its last computation or skip (null where it draws nothing): the
  // Dirichlet and Gumbel forms draw in both halves, a uniform-cell weight step draws its cell. Only
  // data-parallel workers report it, so a one-thread search does not read DrNAS's weights back every pass.
  const drawn: Record<'arch' | 'weight', Record<CellType, number> | null> = { arch: null, weight: null };
  const draws = (half: 'arch' | 'weight'): boolean =>
    c.dataParallel > 1 && (c.remedy.kind === 'gdas' || c.remedy.kind === 'drnas' || (half === 'weight' && c.weightSampling === 'uniform-cell'));
  /** The half's mixer, recording what its passes draw from here on in place of the half's last record. */
  const halfMixer = (half: 'arch' | 'weight', a: DartsStepArgs): Mixer => {
    const mixer = half === 'arch' ? mixerAt(a) : weightMixer(a);
    if (!draws(half)) { drawn[half] = null; return mixer; }
    const h = { normal: FNV_OFFSET, reduce: FNV_OFFSET };
    drawn[half] = h;
    return () => { const ctx = mixer(); foldDraw(h, ctx); return ctx; };
  };
  const archLoss = (a: DartsStepArgs, seen: { expectedMs: number }): ArchLoss => (ce, mix) => tf.tidy(() => {
    const expected = expectedLatency(mix, lat, priced);
    if (c.latency.form === 'lagrange') seen.expectedMs = expected.dataSync()[0];
    let loss = latencyAwareLoss(ce, expected, c.latency, latScale, a.multiplier);
    // The remedy's schedule (beta's ramp) runs over the epochs with architecture steps.
    const extra = remedyTerm(c.remedy, arch, a.epoch - c.warmupEpochs, c.epochs - c.warmupEpochs);
    if (extra) loss = tf.add(loss, extra) as tf.Scalar;
    return loss;
  });

  return {
    net, weights, arch, lat, priced, latScale,
    archGradients(val, a) {
      const seen = { expectedMs: 0 };
      const { grads, metrics } = archGradientsFirstOrder(net, arch, val, archLoss(a, seen), halfMixer('arch', a));
      return { grads, metrics: { ...metrics, expectedMs: seen.expectedMs } };
    },
    applyArchGradients: (grads) => archOpt.step(grads),
    archStepSecondOrder(train, val, a) {
      const seen = { expectedMs: 0 };
      const m = archStepSecondOrder(net, weights, arch, train, val, archLoss(a, seen), archOpt, { xi: a.lr, weightDecay: c.weightDecay, mixer: halfMixer('arch', a) });
      return { ...m, expectedMs: seen.expectedMs };
    },
    weightGradients: (train, a) => weightGradients(net, weights, train, halfMixer('weight', a)),
    applyWeightGradients: (grads, a) => { applyWeightGradients(weights, grads, stepper, a.lr); },
    skipHalf(phase, a) {
      // A sampled cell's draw is stateless (only the mixture moves the epoch's generator), but
      // the worker that skips it draws it too, to report it.
      tf.tidy(() => { halfMixer(phase, a)(); });
    },
    drawn(half) {
      const h = drawn[half];
      return h && `normal ${hex32(h.normal)} reduce ${hex32(h.reduce)}`;
    },
    async save() {
      return {
        weights: saveWeights(net), alphas: saveWeights(archModule(arch)),
        weightOptimizer: await saveOptimizer(stepper.optimizer, weights), archOptimizer: await saveOptimizer(archOpt.optimizer, arch.named),
      };
    },
    async load(s) {
      loadWeights(net, s.weights);
      loadWeights(archModule(arch), s.alphas);
      if (s.weightOptimizer.length) await loadOptimizer(stepper.optimizer, weights, s.weightOptimizer);
      if (s.archOptimizer.length) await loadOptimizer(archOpt.optimizer, arch.named, s.archOptimizer);
    },
    dispose() {
      stepper.dispose();
      archOpt.dispose();
      net.dispose();
      arch.dispose();
    },
  };
}
