/**
 * Single-path one-shot (SPOS) supernet training: the supernet of a cell space is trained by the
 * ordinary training loop (train/loop.ts), each step on one path drawn by `pathAt`. After every
 * epoch it checkpoints, scores a fixed sample of subnets (inherited weights, recalibrated batch
 * norm, validation images) and reports the epoch, their accuracies and its state through the sink
 * in one commit. It knows no store: the run driver (search/run/drivers/spos.ts) stores commits.
 */
import type { EpochRecord } from '../../contracts/epoch.ts';
import { loadDataset } from '../../data/registry.ts';
import { loadOneShotData, scoreSubnet, type OneShotData } from '../../evaluate/one-shot-score.ts';
import type { Network } from '../../nn/network.ts';
import { selectPath } from '../../nn/single-path.ts';
import type { CellSpace } from '../../space/cell.ts';
import { buildOneShotSupernet, pathOf } from '../../space/one-shot.ts';
import type { CellGenotype } from '../../space/types.ts';
import { loadWeights, type TrainCheckpoint } from '../../train/checkpoint.ts';
import { trainNetwork } from '../../train/loop.ts';
import {
  pruneSupernetCheckpoints, readSupernetCheckpoint, supernetCheckpointPath, writeSupernetCheckpoint,
} from '../../train/supernet-checkpoint.ts';
import { createProgress, type Progress } from '../../util/progress.ts';
import { createRng } from '../../util/rng.ts';
import type { SupernetEpoch, SupernetSink } from '../supernet.ts';
import type { SposConfig, SposState } from './config.ts';
import { pathAt, watchedSubnets } from './sampling.ts';

/** One scored subnet of an epoch. */
export interface SubnetScore { key: string; genotype: CellGenotype; accuracy: number; loss: number }

/** An epoch: the sampled paths' training loss and accuracy, the watched subnets' mean validation accuracy, the best of them as its genotype. */
export interface SposEpochRecord extends SupernetEpoch { subnets: SubnetScore[] }

export interface SposHooks {
  progress?: boolean;
  log?: (line: string) => void;
  onEpoch?: (r: SposEpochRecord) => void;
  /** Aborting stops before the next step; the run stays at its last committed epoch. */
  signal?: AbortSignal;
}

export interface SposTraining {
  config: SposConfig;
  space: CellSpace;
  state: SposState | null;
  /** Where the epochs' checkpoints go (one kept: the last committed epoch's). */
  checkpointDir: string;
  sink: SupernetSink<SposState>;
}

export type SposEnd = { status: 'stopped' | 'trained'; state: SposState | null; epochs: SposEpochRecord[] };

async function scoreWatched(net: Network, space: CellSpace, watched: CellGenotype[], data: OneShotData): Promise<SubnetScore[]> {
  const out: SubnetScore[] = [];
  for (const g of watched) {
    const m = await scoreSubnet(net, space, g, data);
    out.push({ key: space.key(g), genotype: g, accuracy: m.accuracy, loss: m.loss });
  }
  return out;
}

export async function trainSpos(o: SposTraining, hooks: SposHooks = {}): Promise<SposEnd> {
  const { config: c, space } = o;
  const log = hooks.log ?? (() => {});
  const ds = loadDataset(c.dataset, { dir: c.dataDir, subset: { train: c.trainImages, val: 0, test: 0 } });
  const scoring = c.subnets > 0 ? loadOneShotData({ dataset: c.dataset, dataDir: c.dataDir, calibrationImages: c.calibrationImages, scoredImages: c.valImages }) : null;
  const watched = watchedSubnets(space, c);
  const net = buildOneShotSupernet(space, { inShape: [...ds.shape], classes: ds.numClasses, rng: createRng(c.seed) });
  const owner = { spaceName: space.name, spaceHash: space.hash, dataset: c.dataset };
  let state: SposState = o.state ?? { phase: 'train', epoch: 0, step: 0, checkpoint: null };
  const resume: TrainCheckpoint | undefined = state.checkpoint ? readSupernetCheckpoint(state.checkpoint).train : undefined;
  if (resume && resume.epoch !== state.epoch) throw new Error(`checkpoint ${state.checkpoint} is of epoch ${resume.epoch}, the run committed ${state.epoch}`);
  const records: SposEpochRecord[] = [];
  let step = state.step;
  let bar: Progress | null = null;
  log(`spos: ${space.name}, ${ds.train.count} images, ${c.epochs} epochs, ${c.sampling} sampling, supernet ${net.paramCount()} params, ${watched.length} subnets scored per epoch`);
  try {
    await trainNetwork(net, { ...ds, val: undefined }, {
      epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, minLearningRate: c.minLearningRate, warmupFraction: c.warmupFraction, momentum: c.momentum,
      weightDecay: c.weightDecay, clipNorm: c.clipNorm, freezeUnreached: true, augment: c.augment ? undefined : null, seed: c.seed, resume, signal: hooks.signal,
      beforeStep: () => { selectPath(net, pathOf(space, pathAt(space, c, step))); },
      onStep: (s) => {
        step = s.step;
        if (hooks.progress && s.stepInEpoch === 1) bar = createProgress({ label: `spos epoch ${s.epoch + 1}/${c.epochs}`, total: s.stepsPerEpoch });
        bar?.update(s.stepInEpoch, `loss ${s.loss.toFixed(3)}`);
      },
      onEpoch: async (r: EpochRecord, checkpoint) => {
        bar?.finish();
        bar = null;
        const ck = await checkpoint();
        const path = supernetCheckpointPath(o.checkpointDir, r.epoch + 1);
        writeSupernetCheckpoint(path, { owner, train: ck });
        const t0 = performance.now();
        const subnets = scoring ? await scoreWatched(net, space, watched, scoring) : [];
        // Scoring recalibrated the running statistics; training resumes from the checkpoint's, as a resumed run would.
        loadWeights(net, ck.weights);
        const best = subnets.reduce<SubnetScore | null>((b, s) => (b && b.accuracy >= s.accuracy ? b : s), null);
        const mean = subnets.length ? subnets.reduce((a, s) => a + s.accuracy, 0) / subnets.length : NaN;
        const meanLoss = subnets.length ? subnets.reduce((a, s) => a + s.loss, 0) / subnets.length : NaN;
        const record: SposEpochRecord = { ...r, valAccuracy: mean, valLoss: meanLoss, genotype: best?.genotype, subnets, seconds: r.seconds + (performance.now() - t0) / 1000 };
        state = { phase: r.epoch + 1 === c.epochs ? 'done' : 'train', epoch: r.epoch + 1, step: ck.step, checkpoint: path };
        o.sink.commit({
          epoch: record, state,
          notes: [{
            level: 'info', kind: 'spos-epoch', message: `epoch ${r.epoch + 1}/${c.epochs}: ${subnets.length} subnets, mean accuracy ${(100 * mean).toFixed(1)}%`,
            data: { epoch: r.epoch, subnets: subnets.map(({ key, accuracy, loss }) => ({ key, accuracy, loss })), checkpoint: path },
          }],
        });
        pruneSupernetCheckpoints(o.checkpointDir, path);
        records.push(record);
        log(`epoch ${r.epoch + 1}/${c.epochs}: paths' train loss ${r.trainLoss.toFixed(3)} acc ${(100 * r.trainAccuracy).toFixed(1)}%; ${subnets.length} subnets: mean ${(100 * mean).toFixed(1)}% best ${best ? (100 * best.accuracy).toFixed(1) : '-'}%, ${record.seconds.toFixed(0)} s`);
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
    net.dispose();
  }
  return { status: 'trained', state, epochs: records };
}
