/**
 * Single-path supernet training, one subnet a step: single-path one-shot (SPOS) on the supernet of
 * a cell space, each step on one path drawn by `pathAt`, and (`trainPaths` with another
 * PathTrainer) Once-for-All's elastic block supernet (strategies/ofa/), in the run's thread or,
 * with `dataParallel` > 1, on worker threads (parallel.ts). It knows no store: the run drivers
 * (search/run/drivers/spos.ts, ofa.ts) store what it commits.
 */
import type { EpochRecord } from '../../contracts/epoch.ts';
import { epochEventKind, type SupernetEpochData } from '../../contracts/supernet.ts';
import { epochBatchCount } from '../../data/batches.ts';
import { loadDataset, type DatasetName } from '../../data/registry.ts';
import { loadOneShotData, scoreSubnet, type OneShotData } from '../../evaluate/one-shot-score.ts';
import type { Network } from '../../nn/network.ts';
import { selectPath } from '../../nn/single-path.ts';
import type { CellSpace } from '../../space/cell.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { buildOneShotSupernet, pathOf } from '../../space/one-shot.ts';
import type { CellGenotype, Genotype, Space } from '../../space/types.ts';
import { loadWeights, type TrainCheckpoint } from '../../train/checkpoint.ts';
import type { NetworkSteps } from '../../train/data-parallel/network-steps.ts';
import { trainNetwork } from '../../train/loop.ts';
import {
  pruneSupernetCheckpoints, readSupernetCheckpoint, supernetCheckpointPath, writeSupernetCheckpoint,
} from '../../train/supernet-checkpoint.ts';
import { createProgress, type Progress } from '../../util/progress.ts';
import { createRng } from '../../util/rng.ts';
import type { SupernetEpoch, SupernetSink } from '../supernet.ts';
import type { SposConfig } from './config.ts';
import { pathTrainOptions, type PathState, type PathTrainingConfig } from './path-config.ts';
import { pathAt, watchedSubnets } from './sampling.ts';
import { pathReplica, pathSteps } from './parallel.ts';

/** One scored subnet of an epoch. */
export interface SubnetScore<G extends Genotype = CellGenotype> { key: string; genotype: G; accuracy: number; loss: number }

/** An epoch: the sampled paths' training loss and accuracy, the watched subnets' mean validation accuracy, the best of them as its genotype. */
export interface SposEpochRecord<G extends Genotype = CellGenotype> extends SupernetEpoch { subnets: SubnetScore<G>[] }

export interface SposHooks<G extends Genotype = CellGenotype> {
  progress?: boolean;
  log?: (line: string) => void;
  onEpoch?: (r: SposEpochRecord<G>) => void;
  /** Aborting stops before the next step; the run stays at its last committed epoch. */
  signal?: AbortSignal;
}

export interface SposTraining {
  config: SposConfig;
  space: CellSpace;
  state: PathState | null;
  /** Where the epochs' checkpoints go (one kept: the last committed epoch's). */
  checkpointDir: string;
  sink: SupernetSink<PathState>;
}

export type SposEnd<G extends Genotype = CellGenotype> = { status: 'stopped' | 'trained'; state: PathState | null; epochs: SposEpochRecord<G>[] };

/** A weight-sharing supernet trained one subnet a step: what differs between SPOS and Once-for-All. */
export interface PathTrainer<G extends Genotype> {
  /** Names the events (`<kind>-epoch`) and the progress bar. */
  kind: string;
  space: Space<G> & { name: string; hash: string };
  /** The supernet, on the data set's input shape and classes. */
  build(inShape: number[], classes: number): Network;
  /**
   * Points the supernet at the subnet step `step` trains (a function of the seed and step alone, so
   * a resumed run trains what it would have), and returns that subnet as the supernet selects it,
   * as text (equal texts, the same weights trained): data-parallel workers report it (parallel.ts).
   */
  selectStep(net: Network, step: number, stepsPerEpoch: number): string;
  /** The subnets scored after every epoch: the same each time, so that their accuracies form curves. */
  watched: G[];
  score(net: Network, g: G, data: OneShotData): Promise<{ accuracy: number; loss: number }>;
  /** What an epoch's note and log line add (Once-for-All: the phase it trained). */
  epochInfo?(epoch: number): { label: string; phase: string };
  /** The module whose createReplica builds this trainer in a data-parallel worker (parallel.ts). */
  replica: URL;
}

export interface PathTraining<G extends Genotype> {
  config: PathTrainingConfig;
  state: PathState | null;
  checkpointDir: string;
  sink: SupernetSink<PathState>;
}

async function scoreWatched<G extends Genotype>(t: PathTrainer<G>, net: Network, data: OneShotData): Promise<SubnetScore<G>[]> {
  const out: SubnetScore<G>[] = [];
  for (const g of t.watched) {
    const m = await t.score(net, g, data);
    out.push({ key: t.space.key(g), genotype: g, accuracy: m.accuracy, loss: m.loss });
  }
  return out;
}

function sposTrainer(c: SposConfig, space: CellSpace): PathTrainer<CellGenotype> {
  return {
    kind: 'spos', space,
    build: (inShape, classes) => buildOneShotSupernet(space, { inShape, classes, rng: createRng(c.seed) }),
    selectStep: (net, step) => {
      // The path, not the genotype's key: the key is shared by isomorphic cells, whose paths train different ops.
      const path = pathOf(space, pathAt(space, c, step));
      selectPath(net, path);
      return JSON.stringify(path);
    },
    watched: watchedSubnets(space, c),
    score: (net, g, data) => scoreSubnet(net, space, g, data),
    replica: new URL(import.meta.url),
  };
}

export function trainSpos(o: SposTraining, hooks: SposHooks = {}): Promise<SposEnd> {
  return trainPaths(sposTrainer(o.config, o.space), o, hooks, `${o.config.sampling} sampling`);
}

/** A data-parallel worker's SPOS supernet (parallel.ts). */
export const createReplica = pathReplica((c: SposConfig) => sposTrainer(c, loadSpace(resolveSpacePath(c.space)) as CellSpace));

/**
 * The ordinary training loop (train/loop.ts) on the supernet, one subnet a step. After every epoch
 * it checkpoints, scores the watched subnets (inherited weights, recalibrated batch norm,
 * validation images) and reports the epoch, their accuracies and its state through the sink in one commit.
 */
export async function trainPaths<G extends Genotype>(t: PathTrainer<G>, o: PathTraining<G>, hooks: SposHooks<G> = {}, what = ''): Promise<SposEnd<G>> {
  const { config: c, space } = { config: o.config, space: t.space };
  const log = hooks.log ?? (() => {});
  const ds = loadDataset(c.dataset as DatasetName, { dir: c.dataDir, subset: { train: c.trainImages, val: 0, test: 0 } });
  const scoring = c.subnets > 0 ? loadOneShotData({ dataset: c.dataset, dataDir: c.dataDir, calibrationImages: c.calibrationImages, scoredImages: c.valImages }) : null;
  const net = t.build([...ds.shape], ds.numClasses);
  const owner = { spaceName: space.name, spaceHash: space.hash, dataset: c.dataset };
  let state: PathState = o.state ?? { phase: 'train', epoch: 0, step: 0, checkpoint: null };
  const resume: TrainCheckpoint | undefined = state.checkpoint ? readSupernetCheckpoint(state.checkpoint).train : undefined;
  if (resume && resume.epoch !== state.epoch) throw new Error(`checkpoint ${state.checkpoint} is of epoch ${resume.epoch}, the run committed ${state.epoch}`);
  const stepsPerEpoch = epochBatchCount(ds.train.count, c.batchSize, ds.train.count > c.batchSize);
  const records: SposEpochRecord<G>[] = [];
  let step = state.step;
  let bar: Progress | null = null;
  log(`${t.kind}: ${space.name}, ${ds.train.count} images, ${c.epochs} epochs${what ? `, ${what}` : ''}, ${c.dataParallel > 1 ? `data-parallel on ${c.dataParallel} workers, ` : ''}supernet ${net.paramCount()} params, ${t.watched.length} subnets scored per epoch`);
  let remote: NetworkSteps | undefined;
  try {
    remote = c.dataParallel > 1 ? await pathSteps(t, c, { inShape: [...ds.shape], classes: ds.numClasses, stepsPerEpoch }) : undefined;
    await trainNetwork(net, { ...ds, val: undefined }, {
      ...pathTrainOptions(c), resume, signal: hooks.signal, remote,
      // On workers each replica selects the step's subnet itself; the loop's network follows along.
      beforeStep: () => { t.selectStep(net, step, stepsPerEpoch); },
      onStep: (s) => {
        step = s.step;
        if (hooks.progress && s.stepInEpoch === 1) bar = createProgress({ label: `${t.kind} epoch ${s.epoch + 1}/${c.epochs}`, total: s.stepsPerEpoch });
        bar?.update(s.stepInEpoch, `loss ${s.loss.toFixed(3)}`);
      },
      onEpoch: async (r: EpochRecord, checkpoint) => {
        bar?.finish();
        bar = null;
        const ck = await checkpoint();
        const path = supernetCheckpointPath(o.checkpointDir, r.epoch + 1);
        writeSupernetCheckpoint(path, { owner, train: ck });
        const t0 = performance.now();
        const subnets = scoring ? await scoreWatched(t, net, scoring) : [];
        // Scoring recalibrated the running statistics; training resumes from the checkpoint's, as a resumed run would.
        loadWeights(net, ck.weights);
        const best = subnets.reduce<SubnetScore<G> | null>((b, s) => (b && b.accuracy >= s.accuracy ? b : s), null);
        const mean = subnets.length ? subnets.reduce((a, s) => a + s.accuracy, 0) / subnets.length : NaN;
        const meanLoss = subnets.length ? subnets.reduce((a, s) => a + s.loss, 0) / subnets.length : NaN;
        const record: SposEpochRecord<G> = { ...r, valAccuracy: mean, valLoss: meanLoss, genotype: best?.genotype, subnets, seconds: r.seconds + (performance.now() - t0) / 1000 };
        state = { phase: r.epoch + 1 === c.epochs ? 'done' : 'train', epoch: r.epoch + 1, step: ck.step, checkpoint: path };
        const info = t.epochInfo?.(r.epoch);
        o.sink.commit({
          epoch: record, state,
          notes: [{
            level: 'info', kind: epochEventKind(t.kind), message: `epoch ${r.epoch + 1}/${c.epochs}${info ? ` (${info.label})` : ''}: ${subnets.length} subnets, mean accuracy ${(100 * mean).toFixed(1)}%`,
            data: { epoch: r.epoch, phase: info?.phase, subnets: subnets.map(({ key, accuracy, loss }) => ({ key, accuracy, loss })), checkpoint: path } satisfies SupernetEpochData,
          }],
        });
        pruneSupernetCheckpoints(o.checkpointDir, path);
        records.push(record);
        log(`epoch ${r.epoch + 1}/${c.epochs}${info ? ` (${info.label})` : ''}: paths' train loss ${r.trainLoss.toFixed(3)} acc ${(100 * r.trainAccuracy).toFixed(1)}%; ${subnets.length} subnets: mean ${(100 * mean).toFixed(1)}% best ${best ? (100 * best.accuracy).toFixed(1) : '-'}%, ${record.seconds.toFixed(0)} s`);
        hooks.onEpoch?.(record);
      },
    });
  } catch (err) {
    if (hooks.signal?.aborted) {
      (bar as Progress | null)?.finish('stopped');
      return { status: 'stopped', state, epochs: records };
    }
    throw err;
  } finally {
    await remote?.close();
    net.dispose();
  }
  return { status: 'trained', state, epochs: records };
}
