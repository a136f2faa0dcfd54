/**
 * The export of one specialised subnet (`cellscape specialise`): the most accurate candidate of
 * its search that meets the target leaves with the Once-for-All supernet's weights, batch norm
 * recalibrated on the evaluator's calibration images, optionally fine-tuned, scored on the test
 * split and measured at batch 1 (tfjs, one thread), then written in the export formats and
 * registered with the candidate (`extra.exports`, `extra.specialised`) and announced by a
 * 'specialised' event of its search, by which the explorer's supernet view finds it. A subnet an
 * earlier target of the same `specialise` already exported (its search chose the same one) is
 * registered with that export's files and figures instead of being extracted, fine-tuned and
 * written again: with the same seed those would come out the same, but for the latency's noise.
 */
import { initBackend } from '../backend/index.ts';
import { SPECIALISED_EVENT, type SpecialisedEvent, type SpecialisedExtra } from '../contracts/supernet.ts';
import { loadDataset, type DatasetName } from '../data/registry.ts';
import { inheritSubnet, loadOneShotData } from '../evaluate/one-shot-score.ts';
import { tfjsRuntime } from '../latency/runtimes.ts';
import type { BlockSpace } from '../space/block.ts';
import { buildElasticSupernet } from '../space/elastic.ts';
import type { BlockGenotype } from '../space/types.ts';
import { openStore } from '../store/store.ts';
import { loadWeights } from '../train/checkpoint.ts';
import { evaluateNetwork } from '../train/evaluate.ts';
import { readSupernetCheckpoint } from '../train/supernet-checkpoint.ts';
import { prepareOutDir } from '../util/files.ts';
import { trainForExport } from './final-train.ts';
import { buildGenotypeExport } from './genotype-json.ts';
import { writeExportFormats, type ExportFormat, type Written } from './write.ts';

export interface SpecialisedExport {
  db: string;
  runId: number;
  /** The Once-for-All run whose checkpoint `supernet` is: the explorer shows the export with it. */
  supernetRun: number;
  supernet: string;
  space: BlockSpace;
  metric: 'latency_ms' | 'flops' | 'params';
  limit: number;
  label: string;
  out: string;
  formats: ExportFormat[];
  dataset: string;
  calibrationImages: number;
  fineTune: number;
  /** The fine-tuning's initial rate. */
  fineTuneLr: number;
  trainImages?: number;
  testImages: number;
  seed: number;
}

export interface SpecialisedRow {
  label: string; runId: number; candidateId: number; oneShotAccuracy: number; predicted: string; measuredMs: number; testAccuracy: number; params: number; macs: number; out: string;
}

/** A subnet exported for one target, by its key: what a later target that chose it registers. */
export type ExportedSubnets = Map<string, { row: SpecialisedRow; files: Written['files']; specialised: SpecialisedExtra }>;

/** Measuring repeats of the exported network (batch 1, after warm-up), as the proxy evaluator's defaults. */
const MEASURE = { warmup: 5, repeats: 20 };

/** The row of the exported subnet, or null when no candidate of the search met the target. */
export async function exportSpecialised(o: SpecialisedExport, exported: ExportedSubnets = new Map()): Promise<SpecialisedRow | null> {
  const store = openStore(o.db);
  try {
    const run = store.getRun(o.runId)!;
    const feasible = store.listCandidates(o.runId, { status: 'done' }).filter((c) => (c.metrics[o.metric] ?? Infinity) <= o.limit && c.metrics.accuracy != null);
    if (!feasible.length) return null;
    const best = feasible.reduce((a, c) => (c.metrics.accuracy! > a.metrics.accuracy! ? c : a));
    const predicted = o.metric === 'latency_ms' ? `${best.metrics.latency_ms!.toFixed(2)} ms (lut)` : `${best.metrics[o.metric]!.toLocaleString('en')}`;
    const register = (out: string, files: Written['files'], specialised: SpecialisedExtra) => {
      store.mergeCandidateExtra(best.id, { exports: files, specialised });
      store.addEvent(o.runId, {
        level: 'info', kind: SPECIALISED_EVENT, message: `${o.label}: candidate ${best.id} exported to ${out}`,
        data: { supernetRun: o.supernetRun, candidate: best.id } satisfies SpecialisedEvent,
      });
    };
    const same = exported.get(best.key);
    if (same) {
      register(same.row.out, same.files, { ...same.specialised, metric: o.metric, limit: o.limit });
      console.log(`${o.label}: candidate ${best.id} of run ${o.runId}, the subnet ${same.row.label} exported (${same.row.out})`);
      return { ...same.row, label: o.label, runId: o.runId, candidateId: best.id, predicted };
    }
    const genotype = o.space.validate(best.genotype, `candidate ${best.id} genotype`) as BlockGenotype;
    const backend = (await initBackend({})).name;
    const calibration = loadOneShotData({ dataset: o.dataset, calibrationImages: o.calibrationImages, scoredImages: o.testImages, split: 'test' });
    const supernet = buildElasticSupernet(o.space, { inShape: [...calibration.shape], classes: calibration.numClasses });
    let net;
    try {
      loadWeights(supernet, readSupernetCheckpoint(o.supernet).train.weights);
      net = inheritSubnet(supernet, o.space, genotype, calibration);
    } finally {
      supernet.dispose();
    }
    try {
      let final = null;
      let testAccuracy;
      if (o.fineTune > 0) {
        const data = loadDataset(o.dataset as DatasetName, { valFraction: 0, subset: { train: o.trainImages, test: o.testImages } });
        final = await trainForExport(net, data, { epochs: o.fineTune, batchSize: 64, learningRate: o.fineTuneLr, optimizer: 'momentum', weightDecay: 3e-5, augment: null, dropPathProb: 0, seed: o.seed }, backend);
        testAccuracy = final.testAccuracy ?? NaN;
      } else {
        testAccuracy = (await evaluateNetwork(net, calibration.val, calibration)).accuracy;
      }
      const measured = await tfjsRuntime.measure(net, [...calibration.shape], MEASURE);
      prepareOutDir('--out', o.out);
      const doc = buildGenotypeExport({ space: o.space, genotype, network: net, run, candidate: best, final });
      const { lines, files } = await writeExportFormats({ formats: o.formats, out: o.out, net, doc, normalize: { mean: calibration.mean, std: calibration.std }, seed: o.seed });
      const specialised: SpecialisedExtra = {
        metric: o.metric, limit: o.limit, measuredLatencyMs: measured.medianMs, testAccuracy: Number.isFinite(testAccuracy) ? testAccuracy : null, fineTuneEpochs: o.fineTune, supernet: o.supernet,
      };
      register(o.out, files, specialised);
      console.log(`${o.label}: candidate ${best.id} of run ${o.runId}, ${doc.description.replace(/\n/g, '; ')}`);
      for (const l of lines) console.log(`  wrote ${l}`);
      const row = {
        label: o.label, runId: o.runId, candidateId: best.id, oneShotAccuracy: best.metrics.accuracy!, predicted, measuredMs: measured.medianMs, testAccuracy,
        params: net.paramCount(), macs: net.flops(), out: o.out,
      };
      exported.set(best.key, { row, files, specialised });
      return row;
    } finally {
      net.dispose();
    }
  } finally {
    store.close();
  }
}
