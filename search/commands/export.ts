/**
 * `cellscape export RUN [--candidate ID | --best | --front-index K] --format json,tfjs,onnx --out DIR`:
 * writes a candidate's genotype (genotype.json), and with a model format its trained network as a
 * TF.js model (model.json + shards) and/or an ONNX model (model.onnx, checked in onnxruntime).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { resolutionOf } from '../space/resolution.ts';
import { resizeDataset } from '../data/resize.ts';
import { UsageError } from '../util/errors.ts';
import { prepareOutDir } from '../util/files.ts';
import { EXPORT_FORMATS as FORMATS, type ExportFormat as Format } from '../export/write.ts';

const HELP = `Usage: cellscape export RUN [--candidate ID | --best | --front-index K]
                        --format json|tfjs|onnx[,...] --out DIR [options]

Which candidate (default --best):
  --candidate ID      a candidate of the run by id
  --best              the most accurate evaluated candidate
  --front-index K     the K-th member (0 = fastest) of the run's Pareto front of accuracy vs
                      latency (vs parameters when no latency was measured)

What is written to DIR:
  json   genotype.json: genotype, space definition, network size, metrics, provenance
  tfjs   model.json + group1-shard*.bin (TF.js weights format); load with loadExportedModel(DIR)
  onnx   model.onnx (opset 13, NHWC input, checked against TF.js in onnxruntime)

A few-shot run's (--task fewshot-seg) candidate exports its embedding network (per-pixel
embeddings, not class logits); its heads have no weights, and genotype.json's "fewshot" says how
to answer an episode with the embeddings. Its final training is the search's (base classes, Adam)
on --train-images scenes (default 2000), scored on episodes of --test-images test scenes (default 500).
Other segmentation runs export model formats only from weights the run kept.

Model formats need trained weights: those the run kept for the candidate (extra.weightsDir, a
TF.js export directory) or, when none are kept, a final training on the run's data set
(train + validation images, tested on the test split):
  --train-epochs N      epochs (default 10)
  --batch-size N        default 64
  --learning-rate X     initial rate of the cosine schedule (default 0.025)
  --optimizer NAME      momentum (default) or adam
  --weight-decay X      default 3e-4
  --augment MODE        default (the data set's own) or none
  --cutout N            cutout square side on top of the augmentation (default 0)
  --drop-path P         DARTS drop-path probability (default 0)
  --train-images N      train on a stratified subset of N images (quick checks)
  --test-images N       test on a stratified subset of N images
  --seed N              training seed (default: the run's)
  --data-dir DIR        data directory for cifar10 or image-folder runs
  --backend NAME        tensorflow, wasm or cpu (default: the fastest present)
  --retrain             train even if the run kept weights
  --db FILE             the run store (default runs.db)`;

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function real(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got '${v}'`);
  return n;
}

export const command: Command = {
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: {
        candidate: { type: 'string' }, best: { type: 'boolean' }, 'front-index': { type: 'string' },
        format: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' },
        'train-epochs': { type: 'string' }, 'batch-size': { type: 'string' }, 'learning-rate': { type: 'string' },
        optimizer: { type: 'string' }, 'weight-decay': { type: 'string' }, augment: { type: 'string' }, cutout: { type: 'string' },
        'drop-path': { type: 'string' }, 'train-images': { type: 'string' }, 'test-images': { type: 'string' }, seed: { type: 'string' }, 'data-dir': { type: 'string' },
        backend: { type: 'string' }, retrain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      } });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
    }
    const { values: v, positionals } = parsed;
    if (v.help) { console.log(HELP); return 0; }
    if (positionals.length !== 1) throw new UsageError(`expected one RUN id\n\n${HELP}`);
    const runId = int('RUN', positionals[0], 1)!;
    if (!v.format) throw new UsageError(`--format is required (${FORMATS.join(', ')})`);
    const formats = [...new Set(v.format.split(','))] as Format[];
    const badFormat = formats.find((f) => !FORMATS.includes(f));
    if (badFormat) throw new UsageError(`--format: unknown format '${badFormat}' (known: ${FORMATS.join(', ')})`);
    if (!v.out) throw new UsageError('--out DIR is required');
    const chosen = [v.candidate !== undefined, v.best === true, v['front-index'] !== undefined].filter(Boolean).length;
    if (chosen > 1) throw new UsageError('give at most one of --candidate, --best and --front-index');
    const selection = v.candidate !== undefined ? { candidate: int('candidate', v.candidate, 1)! }
      : v['front-index'] !== undefined ? { frontIndex: int('front-index', v['front-index'], 0)! } : { best: true as const };
    if (v.optimizer !== undefined && v.optimizer !== 'momentum' && v.optimizer !== 'adam') throw new UsageError(`--optimizer must be momentum or adam, got '${v.optimizer}'`);
    if (v.augment !== undefined && v.augment !== 'default' && v.augment !== 'none') throw new UsageError(`--augment must be default or none, got '${v.augment}'`);
    const dbPath = v.db ?? 'runs.db';
    if (!existsSync(dbPath)) throw new UsageError(`--db ${dbPath}: no such file`);

    const { openStore } = await import('../store/store.ts');
    const { openDb } = await import('./resume.ts');
    const { selectCandidate } = await import('../export/select.ts');
    const { spaceFromDef, parseSpaceDef } = await import('../space/load.ts');
    const store = openDb(dbPath, { readonly: true });
    let run, candidate;
    try {
      run = store.getRun(runId);
      if (!run) throw new UsageError(`--db ${dbPath}: no run ${runId}`);
      candidate = selectCandidate(store, runId, selection);
    } finally {
      store.close();
    }
    const space = spaceFromDef(parseSpaceDef(run.spaceDefinition, `run ${runId} space definition`));
    const fewShotExport = run.task === 'fewshot-seg' ? await import('../export/fewshot.ts') : undefined;
    const fewShot = fewShotExport?.fewShotSpecOf(run);
    // A few-shot candidate's network is its embedding, at the width its run trained.
    const build = fewShot ? fewShotExport!.embeddingBuild(fewShot) : {};
    const genotype = space.validate(candidate.genotype, `candidate ${candidate.id} genotype`);
    prepareOutDir('--out', v.out);

    const { initBackend } = await import('../backend/index.ts');
    const backend = (await initBackend({ backend: v.backend })).name;
    const { buildNetwork } = await import('../space/build.ts');
    const { buildGenotypeExport } = await import('../export/genotype-json.ts');
    const { createRng } = await import('../util/rng.ts');

    const modelFormats = formats.filter((f) => f !== 'json');
    const seed = int('seed', v.seed, 0) ?? run.seed;
    let net, final = null, normalize = null, fewshot;
    const kept = typeof candidate.extra?.weightsDir === 'string' ? candidate.extra.weightsDir : undefined;
    if (modelFormats.length && kept && !v.retrain) {
      const { loadExportedModel } = await import('../export/tfjs.ts');
      const loaded = await loadExportedModel(kept);
      if (loaded.space.hash !== space.hash) throw new UsageError(`kept weights ${kept} belong to another space than run ${runId}'s`);
      net = loaded.network;
      normalize = loaded.topology.input.normalize;
      final = loaded.topology.genotype.metrics.final;
      fewshot = loaded.topology.genotype.fewshot;
      console.error(`using the weights run ${runId} kept for candidate ${candidate.id}: ${kept}`);
    } else if (modelFormats.length && fewShot) {
      const unused = (['augment', 'cutout', 'drop-path', 'data-dir'] as const).find((k) => v[k] !== undefined);
      if (unused) throw new UsageError(`--${unused}: not for a few-shot run's training, which trains its embedding on built-in scenes as the search did`);
      const rng = createRng(seed);
      net = buildNetwork(space, genotype, { ...build, rng });
      const { SEG_DEFAULTS } = await import('../run/drivers/ask-tell.ts');
      const trained = await fewShotExport!.trainFewShotForExport(net, fewShot, {
        epochs: int('train-epochs', v['train-epochs'], 0) ?? 10, batchSize: int('batch-size', v['batch-size'], 1) ?? SEG_DEFAULTS.batchSize,
        learningRate: real('learning-rate', v['learning-rate'], 0) ?? SEG_DEFAULTS.learningRate, optimizer: (v.optimizer ?? 'adam') as 'momentum' | 'adam',
        weightDecay: real('weight-decay', v['weight-decay'], 0) ?? 1e-4, dropPathProb: 0, seed,
      }, { train: int('train-images', v['train-images'], 1) ?? 2000, test: int('test-images', v['test-images'], 1) ?? 500 }, rng, backend);
      ({ final, fewshot, normalize } = trained);
      const t = trained.fewshot.test!;
      console.error(`trained ${final.epochs} epochs in ${final.trainSeconds.toFixed(1)}s; novel-class mIoU on ${t.episodes} test episodes: 1-shot ${t.miou1shot?.toFixed(3) ?? 'n/a'}, 5-shot ${t.miou5shot?.toFixed(3) ?? 'n/a'}`);
    } else if (modelFormats.length) {
      if (space.def.task !== 'classification') throw new UsageError(`run ${runId} is a ${space.def.task} run: search/train trains classifiers only, and the run kept no weights for candidate ${candidate.id}`);
      const { loadDataset } = await import('../data/registry.ts');
      const datasetName = run.dataset.startsWith('image-folder:') ? 'image-folder' : run.dataset;
      const trainImages = int('train-images', v['train-images'], 1);
      const testImages = int('test-images', v['test-images'], 1);
      const subset = trainImages || testImages ? { train: trainImages, test: testImages } : undefined;
      const side = resolutionOf(genotype);
      const loaded = loadDataset(datasetName as never, { valFraction: 0, dir: v['data-dir'], subset });
      const data = side === undefined ? loaded : resizeDataset(loaded, side);
      net = buildNetwork(space, genotype, { inShape: [...data.shape], classes: data.numClasses, rng: createRng(seed) });
      const { trainForExport } = await import('../export/final-train.ts');
      const cutout = int('cutout', v.cutout, 0) ?? 0;
      const augment = v.augment === 'none' ? (cutout ? { cropPadding: 0, flip: false, cutout } : null) : { ...data.augment, cutout: cutout || data.augment.cutout };
      final = await trainForExport(net, data, {
        epochs: int('train-epochs', v['train-epochs'], 0) ?? 10, batchSize: int('batch-size', v['batch-size'], 1) ?? 64,
        learningRate: real('learning-rate', v['learning-rate'], 0) ?? 0.025, optimizer: (v.optimizer ?? 'momentum') as 'momentum' | 'adam',
        weightDecay: real('weight-decay', v['weight-decay'], 0) ?? 3e-4, augment, dropPathProb: real('drop-path', v['drop-path'], 0) ?? 0, seed,
      }, backend);
      normalize = { mean: data.mean, std: data.std };
      console.error(`trained ${final.epochs} epochs in ${final.trainSeconds.toFixed(1)}s; test accuracy ${final.testAccuracy === null ? 'n/a' : (100 * final.testAccuracy).toFixed(2) + '%'}`);
    } else {
      net = buildNetwork(space, genotype, build);
      fewshot = fewShot && fewShotExport!.describeFewShot(fewShot, null);
    }

    try {
      const doc = buildGenotypeExport({ space, genotype, network: net, run, candidate, final, fewshot });
      const { writeExportFormats } = await import('../export/write.ts');
      const { lines, files } = await writeExportFormats({ formats, out: v.out, net, doc, normalize, seed });
      console.log(`candidate ${candidate.id} of run ${runId}: ${doc.description}`);
      for (const w of lines) console.log(`wrote ${w}`);
      // Registered with the candidate so that the explorer offers these files (and only these) for download.
      try {
        const rw = openStore(dbPath);
        try {
          const previous = rw.getCandidate(candidate.id)?.extra?.exports;
          rw.mergeCandidateExtra(candidate.id, { exports: { ...(previous && typeof previous === 'object' ? previous : {}), ...files } });
        } finally { rw.close(); }
      } catch (err) {
        console.error(`warning: the files are written but could not be registered in ${dbPath}: ${(err as Error).message}`);
      }
    } finally {
      net.dispose();
    }
    return 0;
  },
};
