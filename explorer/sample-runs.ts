/**
 * Plausible runs written through the store's own API, for the explorer's tests, its benchmark
 * and a demo database: an evolution run over DARTS cells (metrics that trade accuracy against
 * size and latency, lineage by generation), a block-space run, a NAS-Bench-201 run and a DARTS
 * search with epochs, derived genotypes and architecture-weight snapshots.
 */
import type { Store } from '../search/store/store.ts';
import { createRng, type Rng } from '../search/util/rng.ts';
import type { BlockGenotype, CellEdge, CellGenotype, TabularCellGenotype } from '../search/space/types.ts';
import { encodeSegSample, type SegPreview } from '../search/contracts/seg-preview.ts';
import { epochEventKind, SPECIALISED_EVENT, type SpecialisedEvent, type SpecialisedExtra, type SupernetEpochData } from '../search/contracts/supernet.ts';

export const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
const OP_COST: Record<string, number> = {
  none: 0, max_pool_3x3: 0.1, avg_pool_3x3: 0.1, skip_connect: 0, sep_conv_3x3: 1, sep_conv_5x5: 1.6, dil_conv_3x3: 0.6, dil_conv_5x5: 0.9,
};
const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];

function cellEdges(rng: Rng, nodes = 4): CellEdge[] {
  const edges: CellEdge[] = [];
  for (let n = 0; n < nodes; n++) {
    const a = rng.int(n + 2);
    let b = rng.int(n + 2);
    if (b === a) b = (a + 1) % (n + 2);
    for (const input of [a, b]) edges.push([DARTS_OPS[1 + rng.int(DARTS_OPS.length - 1)], input]);
  }
  return edges;
}

export function sampleCell(rng: Rng): CellGenotype {
  return { normal: cellEdges(rng), normal_concat: [2, 3, 4, 5], reduce: cellEdges(rng), reduce_concat: [2, 3, 4, 5] };
}

export function sampleBlocks(rng: Rng): BlockGenotype {
  const widths = [16, 24, 40, 80, 112];
  return {
    stages: widths.map((w) => ({
      depth: 2 + rng.int(3),
      layers: Array.from({ length: 4 }, () => ({ op: 'mbconv', kernel: rng.pick([3, 5, 7]), expand: rng.pick([3, 4, 6]), width: w })),
    })),
  };
}

export function sampleNb201(rng: Rng): TabularCellGenotype {
  return { nodes: [1, 2, 3].map((k) => Array.from({ length: k }, () => rng.pick(NB201_OPS))) };
}

type Family = 'cell' | 'block' | 'tabular';

/** Size of a genotype in arbitrary units, driving the synthetic metrics. */
function cost(g: unknown): number {
  const c = g as Partial<CellGenotype & BlockGenotype & TabularCellGenotype>;
  if (c.normal) return [...c.normal, ...c.reduce!].reduce((s, [op]) => s + OP_COST[op], 0);
  if (c.stages) return c.stages.reduce((s, st) => s + st.layers.slice(0, st.depth).reduce((t, l) => t + (l.expand ?? 1) * (l.kernel ?? 1) / 12, 0), 0);
  return c.nodes!.flat().reduce((s, op) => s + (op.includes('conv') ? 1 : 0.1), 0);
}

export interface EvolutionRunOptions {
  name?: string;
  family?: Family;
  candidates: number;
  seed?: number;
  populationSize?: number;
  /** Leave the run 'running' (a live search). */
  running?: boolean;
  /** The run's front objectives as a search records them (absent: latency is its cost, as for runs before objectives). */
  objectives?: string[];
}

const SPACE_NAMES: Record<Family, string> = { cell: 'darts-cifar', block: 'mobilenet-blocks', tabular: 'nas-bench-201' };

export function createSampleRun(store: Store, opts: EvolutionRunOptions, strategy = 'evolution'): number {
  const family = opts.family ?? 'cell';
  return store.createRun({
    name: opts.name ?? `${strategy}-${family}`, strategy, spaceName: SPACE_NAMES[family], spaceDefinition: { family },
    spaceHash: `hash-${family}`, task: 'classification', dataset: 'fashion-mnist', config: { populationSize: opts.populationSize ?? 32, ...(opts.objectives ? { objectives: opts.objectives } : {}) },
    seed: opts.seed ?? 1, backend: 'wasm', versions: { cellscape: '0.1.0' }, commandLine: 'cellscape search (sample)',
  }).id;
}

/** Adds `count` evaluated candidates to a run; returns their ids. */
export function addSampleCandidates(store: Store, runId: number, count: number, rng: Rng, family: Family = 'cell', populationSize = 32): number[] {
  const sample = family === 'cell' ? sampleCell : family === 'block' ? sampleBlocks : sampleNb201;
  const ids: number[] = [];
  const existing = store.candidateKeys(runId).length;
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const g = sample(rng);
      const k = existing + i;
      const generation = Math.floor(k / populationSize);
      const parentIds = ids.length > 1 && generation > 0 ? [ids[rng.int(ids.length)], ids[rng.int(ids.length)]] : [];
      const { id, inserted } = store.insertCandidate(runId, { genotype: g, key: `${runId}:${k}:${JSON.stringify(g)}`, parentIds, generation });
      if (!inserted) continue;
      const size = cost(g);
      const learned = 1 - Math.exp(-(generation + 1) / 20);
      const accuracy = Math.min(0.99, 0.55 + 0.3 * (1 - Math.exp(-size / 4)) + 0.08 * learned + 0.03 * rng.normal());
      const params = Math.round(2e5 + 4e5 * size * (0.8 + 0.4 * rng.next()));
      store.markRunning(id, 'sample');
      store.completeCandidate(id, {
        metrics: {
          accuracy, params, flops: Math.round(params * (40 + 20 * rng.next())),
          latency_ms: 0.8 + size * 0.9 * (0.7 + 0.6 * rng.next()), latency_iqr_ms: 0.05 + 0.1 * rng.next(), train_seconds: 5 + 10 * rng.next(),
        },
        score: accuracy - 0.01 * size,
      });
      ids.push(id);
    }
  });
  return ids;
}

export function writeSampleRun(store: Store, opts: EvolutionRunOptions): number {
  const runId = createSampleRun(store, opts);
  const rng = createRng(opts.seed ?? 1);
  const ids = addSampleCandidates(store, runId, opts.candidates, rng, opts.family, opts.populationSize);
  // The first candidate's training curve, as an evaluator records it.
  if (ids.length > 0) {
    for (let e = 0; e < 5; e++) {
      store.addEpoch(runId, { candidateId: ids[0], epoch: e, trainLoss: 2 / (e + 1), trainAccuracy: 0.5 + e * 0.08, valLoss: 2.2 / (e + 1), valAccuracy: 0.45 + e * 0.08, seconds: 3 });
    }
  }
  if (!opts.running) store.updateRunStatus(runId, 'finished');
  return runId;
}

/** A DARTS search: per epoch a derived genotype, losses and (per cell type) architecture weights drifting to a few ops. */
export function writeSampleDartsRun(store: Store, opts: { name?: string; epochs: number; seed?: number }): number {
  const rng = createRng(opts.seed ?? 7);
  const runId = store.createRun({
    name: opts.name ?? 'darts-search', strategy: 'darts', spaceName: 'darts-cifar', spaceDefinition: { family: 'cell' },
    spaceHash: 'hash-cell', task: 'classification', dataset: 'fashion-mnist', config: { epochs: opts.epochs },
    seed: opts.seed ?? 7, backend: 'wasm', versions: { cellscape: '0.1.0' }, commandLine: 'cellscape search --strategy darts (sample)',
  }).id;
  const edges: { from: number; to: number }[] = [];
  for (let to = 2; to < 6; to++) for (let from = 0; from < to; from++) edges.push({ from, to });
  const logits = { normal: edges.map(() => DARTS_OPS.map(() => 0)), reduce: edges.map(() => DARTS_OPS.map(() => 0)) };
  const drift = { normal: edges.map(() => DARTS_OPS.map(() => rng.normal())), reduce: edges.map(() => DARTS_OPS.map(() => rng.normal())) };
  const softmax = (v: number[]) => { const m = Math.max(...v); const e = v.map((x) => Math.exp(x - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((x) => x / s); };
  const derive = (w: number[][]): CellEdge[] => {
    const out: CellEdge[] = [];
    for (let to = 2; to < 6; to++) {
      const inc = edges.map((e, i) => ({ e, i })).filter(({ e }) => e.to === to)
        .map(({ e, i }) => { const best = w[i].slice(1).reduce((b, x, k) => (x > w[i][b + 1] ? k : b), 0) + 1; return { from: e.from, op: DARTS_OPS[best], s: w[i][best] }; })
        .sort((a, b) => b.s - a.s).slice(0, 2);
      for (const x of inc) out.push([x.op, x.from]);
    }
    return out;
  };
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const snaps: Record<'normal' | 'reduce', number[][]> = { normal: [], reduce: [] };
    for (const cell of ['normal', 'reduce'] as const) {
      logits[cell] = logits[cell].map((row, i) => row.map((x, k) => x + 0.25 * drift[cell][i][k] + 0.05 * rng.normal()));
      snaps[cell] = logits[cell].map(softmax);
      store.addArchSnapshot(runId, { epoch, step: 0, cellType: cell, weights: { ops: DARTS_OPS, edges: edges.map((e, i) => ({ ...e, weights: snaps[cell][i] })) } });
    }
    const genotype: CellGenotype = { normal: derive(snaps.normal), normal_concat: [2, 3, 4, 5], reduce: derive(snaps.reduce), reduce_concat: [2, 3, 4, 5] };
    store.addEpoch(runId, {
      epoch, trainLoss: 2.3 * Math.exp(-epoch / 6), trainAccuracy: 0.4 + 0.5 * (1 - Math.exp(-epoch / 5)),
      valLoss: 2.4 * Math.exp(-epoch / 7), valAccuracy: 0.38 + 0.48 * (1 - Math.exp(-epoch / 5)), seconds: 30, genotype,
    });
  }
  store.updateRunStatus(runId, 'finished');
  return runId;
}

/**
 * A Once-for-All supernet run (its epochs by phase, each epoch's note with the watched subnets'
 * accuracies, as the single-path trainer commits them) and `specialised` subnets exported from it,
 * each the chosen candidate of an evolution run of its own (as `cellscape specialise` stores them).
 */
export function writeSampleSupernetRun(store: Store, opts: { name?: string; phaseEpochs: number[]; watched: number; specialised: number[]; seed?: number }): { runId: number; searches: number[] } {
  const rng = createRng(opts.seed ?? 9);
  const epochs = opts.phaseEpochs.reduce((a, b) => a + b, 0);
  const runId = store.createRun({
    name: opts.name ?? 'ofa-supernet', strategy: 'ofa', spaceName: SPACE_NAMES.block, spaceDefinition: { family: 'block' },
    spaceHash: 'hash-block', task: 'classification', dataset: 'fashion-mnist', config: { phaseEpochs: opts.phaseEpochs, epochs },
    seed: opts.seed ?? 9, backend: 'wasm', versions: { cellscape: '0.1.0' }, commandLine: 'cellscape search --strategy ofa (sample)',
  }).id;
  const phases = ['largest', 'kernel', 'depth', 'width'].flatMap((p, i) => Array.from({ length: opts.phaseEpochs[i] }, () => p));
  const watched = Array.from({ length: opts.watched }, () => sampleBlocks(rng));
  const ceiling = watched.map(() => 0.6 + 0.3 * rng.next());
  phases.forEach((phase, epoch) => {
    const subnets = watched.map((g, i) => ({ key: JSON.stringify(g), accuracy: ceiling[i] * (1 - Math.exp(-(epoch + 1) / 3)), loss: 2.3 * Math.exp(-(epoch + 1) / 4) }));
    const best = subnets.reduce((b, x, i) => (x.accuracy > subnets[b].accuracy ? i : b), 0);
    store.addEpoch(runId, {
      epoch, trainLoss: 2.3 * Math.exp(-epoch / 5), trainAccuracy: 0.3 + 0.5 * (1 - Math.exp(-epoch / 4)),
      valLoss: subnets.reduce((a, x) => a + x.loss, 0) / subnets.length, valAccuracy: subnets.reduce((a, x) => a + x.accuracy, 0) / subnets.length, seconds: 60, genotype: watched[best],
    });
    const data: SupernetEpochData = { epoch, phase, subnets, checkpoint: `/sample/run-${runId}/epoch-${epoch + 1}.json` };
    store.addEvent(runId, { level: 'info', kind: epochEventKind('ofa'), message: `epoch ${epoch + 1}/${epochs} (${phase} phase)`, data });
  });
  store.updateRunStatus(runId, 'finished');

  const searches = opts.specialised.map((limit) => {
    const searchId = createSampleRun(store, { name: `specialise-${runId}-latency-ms-${limit}`, family: 'block', candidates: 12, seed: limit }, 'evolution');
    const ids = addSampleCandidates(store, searchId, 12, rng, 'block');
    const feasible = ids.map((id) => store.getCandidate(id)!).filter((c) => c.metrics.latency_ms! <= limit);
    const chosen = (feasible.length ? feasible : ids.map((id) => store.getCandidate(id)!)).reduce((a, c) => (c.metrics.accuracy! > a.metrics.accuracy! ? c : a));
    const extra: SpecialisedExtra = {
      metric: 'latency_ms', limit, measuredLatencyMs: chosen.metrics.latency_ms! * (1.5 + rng.next()), testAccuracy: chosen.metrics.accuracy! - 0.02,
      fineTuneEpochs: 0, supernet: `/sample/run-${runId}/epoch-${epochs}.json`,
    };
    store.mergeCandidateExtra(chosen.id, { specialised: extra });
    store.addEvent(searchId, { level: 'info', kind: SPECIALISED_EVENT, message: `latency ${limit} ms: candidate ${chosen.id}`, data: { supernetRun: runId, candidate: chosen.id } satisfies SpecialisedEvent });
    store.updateRunStatus(searchId, 'finished');
    return searchId;
  });
  return { runId, searches };
}

const SEG_CLASSES = ['background', 'garment', 'digit'];

/** A 32x32 scene: a square and a disc on a gradient, its mask (ignore band at the edges), and a slightly wrong prediction. */
function sampleScene(rng: Rng, size = 32): { image: Uint8Array; truth: Uint8Array; predicted: Uint8Array } {
  const image = new Uint8Array(size * size);
  const truth = new Uint8Array(size * size);
  const predicted = new Uint8Array(size * size);
  const sq = { x: 2 + rng.int(12), y: 2 + rng.int(12), s: 8 + rng.int(8) };
  const disc = { x: 8 + rng.int(16), y: 8 + rng.int(16), r: 4 + rng.int(5) };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const inSq = x >= sq.x && x < sq.x + sq.s && y >= sq.y && y < sq.y + sq.s;
      const inDisc = (x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2;
      truth[i] = inDisc ? 2 : inSq ? 1 : 0;
      image[i] = inDisc ? 230 : inSq ? 150 : 20 + x * 2;
      if (Math.abs((x - disc.x) ** 2 + (y - disc.y) ** 2 - disc.r ** 2) <= disc.r) truth[i] = 255; // boundary band: ignored
      predicted[i] = (x - disc.x - 1) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2 ? 2 : inSq && x > sq.x ? 1 : 0;
    }
  }
  return { image, truth, predicted };
}

/** A segmentation run whose candidates carry mIoU as accuracy, pixel accuracy and a preview of 3 validation scenes, as the evaluator stores them. */
export function writeSampleSegmentationRun(store: Store, opts: { name?: string; candidates: number; seed?: number }): number {
  const rng = createRng(opts.seed ?? 21);
  const runId = store.createRun({
    name: opts.name ?? 'segmentation-blocks', strategy: 'evolution', spaceName: 'seg-blocks', spaceDefinition: { family: 'block' },
    spaceHash: 'hash-seg', task: 'segmentation', dataset: 'scenes-objects', config: { populationSize: 8 },
    seed: opts.seed ?? 21, backend: 'wasm', versions: { cellscape: '0.1.0' }, commandLine: 'cellscape search --dataset scenes-objects (sample)',
  }).id;
  store.transaction(() => {
    for (let k = 0; k < opts.candidates; k++) {
      const g = sampleBlocks(rng);
      const { id } = store.insertCandidate(runId, { genotype: g, key: `seg:${k}:${JSON.stringify(g)}`, generation: Math.floor(k / 8) });
      const size = cost(g);
      const miou = Math.min(0.95, 0.3 + 0.4 * (1 - Math.exp(-size / 4)) + 0.03 * rng.normal());
      const preview: SegPreview = {
        height: 32, width: 32, classNames: SEG_CLASSES, ignoreLabel: 255,
        samples: [0, 1, 2].map(() => { const s = sampleScene(rng); return encodeSegSample(s.image, 1, s.truth, s.predicted, 32, 32); }),
      };
      store.markRunning(id, 'sample');
      store.completeCandidate(id, {
        metrics: {
          miou, pixel_accuracy: Math.min(0.99, miou + 0.2), params: Math.round(3e5 + 3e5 * size), flops: Math.round(1e7 * size),
          latency_ms: 2 + size * 1.5, train_seconds: 30,
        },
        extra: { segmentation: preview, worker: 'sample', backend: 'wasm' },
      });
    }
  });
  store.updateRunStatus(runId, 'finished');
  return runId;
}
