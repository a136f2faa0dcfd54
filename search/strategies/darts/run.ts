/**
 * The DARTS search loop: builds the supernet of a cell space, alternates architecture and weight
 * steps over the two halves of the training data, and after every epoch derives the genotype,
 * checks it for collapse, checkpoints, and reports epoch, snapshots, notes and its state through
 * the sink in one commit. It knows no store: the supernet run driver (search/run/drivers/darts.ts)
 * stores the commits and trains the derived genotype from scratch as an ordinary candidate.
 */
import * as tf from '@tensorflow/tfjs';
import { DARTS_SELECTED_EVENT } from '../../contracts/darts-selection.ts';
import { SEG_DATASETS } from '../../evaluate/seg-proxy.ts';
import type { CellSpace } from '../../space/cell.ts';
import { loadSpace, resolveSpacePath } from '../../space/load.ts';
import { segmentationChoice } from '../../space/segmentation.ts';
import type { CellGenotype } from '../../space/types.ts';
import { cosineLr } from '../../train/schedule.ts';
import { UsageError } from '../../util/errors.ts';
import { createProgress, type Progress } from '../../util/progress.ts';
import type { CellType, RunNote, SupernetSink, WeightSnapshot } from '../supernet.ts';
import { CELL_TYPES, derivationWeights, readEdgeWeights, readMixingWeights, rowEntropies, snapshotOf, type ArchParams } from './arch.ts';
import { checkpointPath, pruneCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { detectCollapse, type CollapseReport } from './collapse.ts';
import type { DartsConfig, DartsState } from './config.ts';
import { deriveGenotype } from './derive.ts';
import { disposeBatch, loadDartsData, type DartsData } from './data.ts';
import { expectedLatency, measureSiteLatencies, nextMultiplier, pricedOps, type OpLatencyLookup } from './latency.ts';
import { localSteps, parallelSteps, type DartsSteps } from './parallel.ts';
import { initialPtState, ptGenotype, selectByPerturbation } from './pt.ts';
import { createDartsSession, withLatencySites, type DartsSession, type DartsStepArgs } from './session.ts';

export interface DartsStepInfo { epoch: number; stepInEpoch: number; stepsPerEpoch: number; step: number; loss: number; archLoss: number }

export interface DartsEpochRecord {
  epoch: number;
  trainLoss: number;
  /** Top-1 accuracy, or mIoU for a segmentation space (likewise valAccuracy). */
  trainAccuracy: number;
  /** Cross-entropy and accuracy on the architecture half, from the architecture steps' forward passes (NaN in a warm-up epoch, which has none). */
  valLoss: number;
  valAccuracy: number;
  /** The architecture loss (cross-entropy plus latency and remedy terms). */
  archLoss: number;
  /** The supernet's expected latency over the ops the latency term prices (all, or those with weights: config latency.ops). */
  expectedLatencyMs: number;
  /** Mean over edges of the entropy (nats) of each edge's softmax, per cell type: ln(ops) is uniform, 0 one-hot. */
  entropy: Record<CellType, number>;
  /** The lagrange latency form's multiplier at the epoch's end (0 for the other forms). */
  latencyMultiplier: number;
  genotype: CellGenotype;
  collapse: CollapseReport;
  seconds: number;
}

export interface DartsHooks {
  /** A per-op latency table (e.g. from `cellscape lut`); default: measured in this process at the start of the run. */
  opLatency?: OpLatencyLookup;
  /** Progress bars per epoch on stderr. */
  progress?: boolean;
  log?: (line: string) => void;
  onStep?: (s: DartsStepInfo) => void;
  onEpoch?: (r: DartsEpochRecord) => void;
  /** Aborting stops after the current step; the run stays at its last committed epoch. */
  signal?: AbortSignal;
}

export interface DartsSearch {
  config: DartsConfig;
  space: CellSpace;
  /** The state of the last commit, null for a new run. */
  state: DartsState | null;
  /** Where the run's checkpoints go (one kept: the last committed epoch's). */
  checkpointDir: string;
  sink: SupernetSink<DartsState>;
}

export type DartsSearchEnd =
  | { status: 'stopped'; epochs: DartsEpochRecord[] }
  /** The search is over: `genotype` is derived from the final alphas, `state` is in phase evaluate. */
  | { status: 'searched'; genotype: CellGenotype; state: DartsState; epochs: DartsEpochRecord[] };

export function loadCellSpace(pathOrName: string): CellSpace {
  const space = loadSpace(resolveSpacePath(pathOrName));
  if (space.family !== 'cell') throw new UsageError(`DARTS searches cell spaces; '${pathOrName}' is a ${space.family} space`);
  return space;
}

/** A segmentation space searches on the built-in scenes, a classification space on anything else. */
export function checkDataset(c: DartsConfig, space: CellSpace): void {
  const seg = (SEG_DATASETS as readonly string[]).includes(c.dataset);
  if ((space.def.task === 'segmentation') !== seg) throw new UsageError(`darts: the ${space.def.task} space '${space.name}' cannot search on '${c.dataset}'`);
  if (c.segmentation && space.def.task !== 'segmentation') throw new UsageError(`darts: head and spatial path apply to segmentation spaces; '${space.name}' is a ${space.def.task} space`);
}

/** Partial channels split each edge's C (and 2C, 4C after reductions) into K parts, each with an even count when K > 1 (a reducing edge's skip halves it). */
export function checkPartialChannels(c: DartsConfig, space: CellSpace): void {
  const k = c.partialChannels;
  if (!splits(space, k)) throw new UsageError(`--partial-channels ${k}: the supernet of '${space.name}' has C=${supernetC(space)} channels, which K must split into parts of an even number of channels`);
}

const supernetC = (space: CellSpace): number => (space.def.supernet ?? space.def.network).C;
const splits = (space: CellSpace, k: number): boolean => k === 1 || (supernetC(space) % k === 0 && (supernetC(space) / k) % 2 === 0);

/**
 * Data parallelism splits every batch over the workers, and has the first-order step only (the
 * second order's virtual step needs all of a batch's gradients in between); the simultaneous
 * update is first order, and puts its two halves on 2 workers or none.
 */
export function checkDataParallel(c: DartsConfig): void {
  if (c.update === 'simultaneous' && c.order === 2) throw new UsageError('--update simultaneous: takes the first-order step only; use --order 1');
  if (c.update === 'simultaneous' && c.dataParallel > 2) throw new UsageError(`--data-parallel ${c.dataParallel}: the simultaneous update runs its two halves on 2 workers (--data-parallel 2) or in one thread`);
  if (c.dataParallel > 1 && c.order === 2) throw new UsageError(`--data-parallel ${c.dataParallel}: the second-order architecture step runs in one thread; use --order 1 or --data-parallel 1`);
  if (c.dataParallel > c.batchSize) throw new UsageError(`--data-parallel ${c.dataParallel}: a batch of ${c.batchSize} cannot give every worker an image`);
}

/** DARTS-PT's selection scores top-1 accuracy (classification only) on whole batches of the architecture half. */
export function checkSelection(c: DartsConfig, space: CellSpace): void {
  const sel = c.selection;
  if (sel.kind !== 'pt') return;
  if (space.def.task !== 'classification') throw new UsageError(`--selection pt: scores classification accuracy; '${space.name}' is a ${space.def.task} space`);
  if (sel.valImages < c.batchSize) throw new UsageError(`--pt-val-images ${sel.valImages}: fewer than one batch of ${c.batchSize}`);
  if (sel.valImages > c.valImages) throw new UsageError(`--pt-val-images ${sel.valImages}: more than the architecture half's ${c.valImages} images (--val-images)`);
}

/** Pricing the ops with weights needs a space that has some (checked before a run exists, not when its session is built). */
export function checkLatencyOps(c: DartsConfig, space: CellSpace): void {
  try {
    pricedOps(space.def.cell.ops, c.latency.ops);
  } catch (err) {
    throw new UsageError(`--latency-ops ${c.latency.ops}: ${(err as Error).message}`);
  }
}

/** The default K for a space: the configured default, or the largest K below it that splits the space's channels (1 at worst). */
export function defaultPartialChannels(space: CellSpace, preferred: number): number {
  let k = preferred;
  while (!splits(space, k)) k--;
  return k;
}

/** Searches from the given state (or from the start) until the last epoch is committed or the signal stops it. */
export async function searchDarts(o: DartsSearch, hooks: DartsHooks = {}): Promise<DartsSearchEnd> {
  const { config: c, space, state: resumed } = o;
  const log = hooks.log ?? (() => {});
  const ops = [...space.def.cell.ops];
  const records: DartsEpochRecord[] = [];
  let state: DartsState;
  if (resumed) {
    state = resumed;
  } else {
    const table = hooks.opLatency;
    const opLatency = withLatencySites(space, c, (sites) => (table
      ? Object.fromEntries(sites.filter((s) => s.opName !== 'none').map((s) => [s.key, table(s.key) ?? NaN]))
      : Object.fromEntries(measureSiteLatencies(sites))));
    state = { phase: 'search', epoch: 0, step: 0, checkpoint: null, opLatency, collapsed: false, latencyMultiplier: 0 };
    // No epochs (the selection reads the supernet as initialised): straight to the selection.
    if (c.epochs === 0 && c.selection.kind === 'pt') state = { ...state, phase: 'select', pt: initialPtState(space.def.cell.nodes) };
  }
  const session = createDartsSession(space, c, state.opLatency);
  const { net, arch } = session;
  let steps: DartsSteps | null = null;
  try {
    if (state.checkpoint) {
      const ck = readCheckpoint(state.checkpoint);
      if (ck.epoch !== state.epoch) throw new Error(`checkpoint ${state.checkpoint} is of epoch ${ck.epoch}, the run committed ${state.epoch}`);
      await session.load(ck);
    }

    const ds = state.phase === 'search' || state.phase === 'select' ? loadDartsData(c, space.def.task) : null;
    if (state.phase === 'search' && ds) {
      steps = c.dataParallel > 1 ? await parallelSteps(session, c, state.opLatency, c.dataParallel, state.checkpoint !== null) : localSteps(session, c);
      log(`darts: ${space.name}, ${ds.counts.train} + ${ds.counts.val} images, ${c.epochs} epochs, batch ${c.batchSize}, order ${c.order}, partial channels 1/${c.partialChannels}, ${c.warmupEpochs ? `${c.warmupEpochs} warm-up epochs, ` : ''}remedy ${c.remedy.kind}, ${c.update === 'simultaneous' ? 'simultaneous update, ' : ''}${c.weightSampling === 'uniform-cell' ? 'weight steps on uniform cells, ' : ''}${c.supernetOps === 'standalone' ? 'standalone ops, ' : ''}${c.dataParallel > 1 ? (c.update === 'simultaneous' ? 'its halves on 2 workers, ' : `data-parallel on ${c.dataParallel} workers, `) : ''}supernet ${net.paramCount()} params, expected latency at uniform weights ${session.latScale.toFixed(3)} ms`);
      for (let epoch = state.epoch; epoch < c.epochs; epoch++) {
        const rec = await runEpoch(epoch, c, space, ds, session, steps, { step: state.step, multiplier: state.latencyMultiplier }, hooks);
        if (!rec) return { status: 'stopped', epochs: records };
        const { record, snapshots, step } = rec;
        const ckPath = checkpointPath(o.checkpointDir, epoch + 1);
        writeCheckpoint(ckPath, { epoch: epoch + 1, step, ...await session.save() });
        // A warm-up epoch's genotype is read off untouched alphas: noise, not a collapse.
        const collapsed = epoch >= c.warmupEpochs && record.collapse.collapsed;
        const becameCollapsed = collapsed && !state.collapsed;
        state = {
          ...state, epoch: epoch + 1, step, checkpoint: ckPath, collapsed, latencyMultiplier: record.latencyMultiplier,
          phase: epoch + 1 === c.epochs ? (c.selection.kind === 'pt' ? 'select' : 'evaluate') : 'search',
          ...(epoch + 1 === c.epochs && c.selection.kind === 'pt' ? { pt: initialPtState(arch.nodes) } : {}),
        };
        o.sink.commit({ epoch: record, snapshots, notes: epochNotes(record, becameCollapsed, c, readEdgeWeights(arch)), state });
        pruneCheckpoints(o.checkpointDir, ckPath);
        records.push(record);
        const archHalf = epoch < c.warmupEpochs ? 'warm-up (no architecture steps)' : `arch-half loss ${record.valLoss.toFixed(3)} ${metricName(space)} ${(100 * record.valAccuracy).toFixed(1)}%`;
        log(`epoch ${epoch + 1}/${c.epochs}: train loss ${record.trainLoss.toFixed(3)} ${metricName(space)} ${(100 * record.trainAccuracy).toFixed(1)}%, ${archHalf}, E[latency] ${record.expectedLatencyMs.toFixed(3)} ms, edge entropy normal ${record.entropy.normal.toFixed(3)} reduce ${record.entropy.reduce.toFixed(3)} (uniform ${Math.log(ops.length).toFixed(3)}), ${record.seconds.toFixed(0)} s`);
        log(`  ${space.describe(record.genotype).replace(/\n/g, '\n  ')}`);
        if (becameCollapsed) log(`WARNING epoch ${epoch + 1}: the derived normal cell collapsed: ${collapseText(record.collapse)}`);
        hooks.onEpoch?.(record);
      }
    }

    if (state.phase === 'select' && ds && c.selection.kind === 'pt') {
      // The workers are done: the selection scores and tunes in this thread.
      await steps?.close();
      steps = null;
      const selected = await selectByPerturbation({
        config: c, pt: c.selection, session, data: ds, state: state.pt ?? initialPtState(arch.nodes), checkpointDir: o.checkpointDir, checkpoint: state.checkpoint, searchSteps: state.step,
        commit: (pt, checkpoint, notes, last) => {
          state = { ...state, pt, checkpoint, phase: last ? 'evaluate' : 'select' };
          const extra: RunNote[] = [];
          if (last) {
            const g = ptGenotype(pt, arch.nodes);
            const collapse = detectCollapse(g, c.collapseShare);
            extra.push({ level: 'info', kind: DARTS_SELECTED_EVENT, message: `perturbation selection: ${collapseText(collapse)} in the normal cell`, data: { genotype: g, collapse } });
          }
          o.sink.commit({ notes: [...notes, ...extra], state });
        },
        log, signal: hooks.signal,
      });
      if (!selected) return { status: 'stopped', epochs: records };
    }

    return { status: 'searched', genotype: derivedGenotype(state, arch, space, c), state, epochs: records };
  } finally {
    await steps?.close();
    session.dispose();
  }
}

/** The run's genotype: the perturbation selection's once it is done, else the alphas'. */
function derivedGenotype(state: DartsState, arch: ArchParams, space: CellSpace, c: DartsConfig): CellGenotype {
  return c.selection.kind === 'pt' ? ptGenotype(state.pt!, arch.nodes) : deriveFromArch(arch, space, c);
}

/** The derived cells; a segmentation genotype also carries the head and spatial path searched with. */
function deriveFromArch(arch: ArchParams, space: CellSpace, c: DartsConfig): CellGenotype {
  const w = derivationWeights(arch);
  const cells = deriveGenotype(w.normal, w.reduce, arch.ops, arch.nodes);
  return space.def.task === 'segmentation' ? { ...cells, ...segmentationChoice(space, c.segmentation ?? {}) } : cells;
}

const metricName = (space: CellSpace): string => (space.def.task === 'segmentation' ? 'mIoU' : 'acc');

const collapseText = (r: CollapseReport): string => {
  const ops = Object.entries(r.ops).map(([op, n]) => `${n} ${op}`).join(', ');
  return `${r.parameterFree} of ${r.edges} edges parameter-free${ops ? ` (${ops})` : ''}`;
};

function snapshotsNow(arch: ArchParams, epoch: number, step: number): WeightSnapshot[] {
  const rows = readMixingWeights(arch);
  return CELL_TYPES.map((cellType: CellType) => ({ epoch, step, cellType, weights: snapshotOf(rows[cellType], arch.ops, arch.nodes) }));
}

async function runEpoch(
  epoch: number, c: DartsConfig, space: CellSpace, ds: DartsData, s: DartsSession, steps: DartsSteps, start: { step: number; multiplier: number }, hooks: DartsHooks,
): Promise<{ record: DartsEpochRecord; snapshots: WeightSnapshot[]; step: number } | null> {
  const t0 = performance.now();
  // Warm-up epochs train the weights only: the architecture half is not read.
  const searching = epoch >= c.warmupEpochs;
  const trainB = ds.batches('train', epoch);
  const valB = ds.batches('val', epoch);
  const stepsPerEpoch = Math.min(trainB.perEpoch, valB.perEpoch);
  const totalSteps = stepsPerEpoch * c.epochs;
  let multiplier = start.multiplier;
  const bar: Progress | null = hooks.progress ? createProgress({ label: `darts epoch ${epoch + 1}/${c.epochs}`, total: stepsPerEpoch }) : null;
  const snapshots: WeightSnapshot[] = [];
  let step = start.step;
  const tMeter = ds.meter(), vMeter = ds.meter();
  let tLoss = 0, vLoss = 0, aLoss = 0, seen = 0;
  for (let i = 0; i < stepsPerEpoch; i++) {
    if (hooks.signal?.aborted) { bar?.finish('stopped'); return null; }
    const train = trainB.next();
    const val = searching ? valB.next() : null;
    try {
      const args: DartsStepArgs = { epoch, step, totalSteps, lr: cosineLr(step, totalSteps, c.learningRate, c.minLearningRate), multiplier };
      const { arch: a, weight: w } = await steps.step(val, train, args);
      if (a) multiplier = nextMultiplier(multiplier, a.expectedMs, c.latency);
      const n = train.x.shape[0];
      tLoss += w.loss * n; seen += n;
      tMeter.add(w, train);
      if (a && val) { const nv = val.x.shape[0]; vLoss += a.ce * nv; aLoss += a.loss * nv; vMeter.add(a, val); }
      step++;
      if (c.snapshotEvery > 0 && (i + 1) % c.snapshotEvery === 0 && i + 1 < stepsPerEpoch) {
        await steps.sync();
        snapshots.push(...snapshotsNow(s.arch, epoch, step));
      }
      hooks.onStep?.({ epoch, stepInEpoch: i + 1, stepsPerEpoch, step, loss: w.loss, archLoss: a?.loss ?? NaN });
      bar?.update(i + 1, `loss ${w.loss.toFixed(3)} ${a ? `arch ${a.loss.toFixed(3)}` : 'warm-up'}`);
    } finally {
      disposeBatch(train);
      if (val) disposeBatch(val);
    }
  }
  bar?.finish();
  await steps.sync();
  snapshots.push(...snapshotsNow(s.arch, epoch, step));
  const genotype = deriveFromArch(s.arch, space, c);
  const expectedMs = tf.tidy(() => expectedLatency(mixOf(s.arch), s.lat, s.priced).dataSync()[0]);
  const rows = readMixingWeights(s.arch);
  const meanEntropy = (t: CellType): number => { const h = rowEntropies(rows[t]); return h.reduce((x, y) => x + y, 0) / h.length; };
  return {
    step, snapshots,
    record: {
      epoch, trainLoss: tLoss / seen, trainAccuracy: tMeter.value(),
      ...(searching ? { valLoss: vLoss / seen, valAccuracy: vMeter.value(), archLoss: aLoss / seen } : { valLoss: NaN, valAccuracy: NaN, archLoss: NaN }),
      expectedLatencyMs: expectedMs, entropy: { normal: meanEntropy('normal'), reduce: meanEntropy('reduce') }, latencyMultiplier: multiplier, genotype, collapse: detectCollapse(genotype, c.collapseShare), seconds: (performance.now() - t0) / 1000,
    },
  };
}

function mixOf(arch: ArchParams): { normal: tf.Tensor; reduce: tf.Tensor } {
  return { normal: tf.softmax(arch.normal), reduce: tf.softmax(arch.reduce) };
}

function epochNotes(r: DartsEpochRecord, becameCollapsed: boolean, c: DartsConfig, edgeWeights: Record<CellType, number[]> | null): RunNote[] {
  const notes: RunNote[] = [{
    level: 'info', kind: 'darts-epoch', message: `epoch ${r.epoch + 1}/${c.epochs} done`,
    data: {
      epoch: r.epoch, archLoss: r.archLoss, expectedLatencyMs: r.expectedLatencyMs, entropy: r.entropy, collapse: r.collapse,
      ...(c.latency.form === 'lagrange' ? { latencyMultiplier: r.latencyMultiplier } : {}), ...(edgeWeights ? { edgeWeights } : {}),
    },
  }];
  if (becameCollapsed) {
    notes.push({ level: 'warn', kind: 'collapse', message: `epoch ${r.epoch + 1}: the derived normal cell collapsed: ${collapseText(r.collapse)}`, data: { epoch: r.epoch, ...r.collapse } });
  }
  return notes;
}
