/**
 * What a few-shot segmentation candidate (`--task fewshot-seg`) exports: its embedding network,
 * the genotype built as a segmentation network whose output is a `dim`-channel embedding per pixel
 * at the input resolution. The heads that answer an episode (prototype: masked average pooling of
 * the support embeddings and cosine similarity per query pixel; attention: query pixels attending
 * to support pixels) have no weights: they are functions of the supports' and the query's
 * embeddings and the support masks (search/evaluate/fewshot-score.ts answerEpisode), so the TF.js
 * and ONNX files hold the embedding network only, and genotype.json says how to answer with it.
 *
 * Final training for export is the evaluator's (base classes through a cosine classifier, which
 * is not exported) on more scenes, scored on episodes drawn from the test scenes, which neither
 * the search nor this training saw.
 */
import { baseLabels, classSplit, relabelSplit } from '../data/segmentation/episodes.ts';
import { loadSceneDataset } from '../data/segmentation/builtin.ts';
import { sceneClassNames } from '../data/segmentation/scenes.ts';
import { scoreEpisodes } from '../evaluate/fewshot-score.ts';
import { FEWSHOT_DATASET, FEWSHOT_SHOTS, fewShotEpisodes, fewShotSpec, trainEmbedding, type FewShotSpec } from '../evaluate/fewshot.ts';
import type { Network } from '../nn/network.ts';
import type { Run } from '../store/store.ts';
import { UsageError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import type { FinalRecipe } from './final-train.ts';
import type { FewShotExport, GenotypeExport } from './schema.ts';

/** The few-shot evaluator's spec a run recorded, or a usage error saying why the run has none. */
export function fewShotSpecOf(run: Pick<Run, 'id' | 'config'>): FewShotSpec {
  const parsed = fewShotSpec.safeParse(run.config.evaluator);
  if (!parsed.success) {
    const kind = (run.config.evaluator as { kind?: unknown } | undefined)?.kind;
    throw new UsageError(`run ${run.id} is a few-shot run scored by the '${String(kind)}' evaluator, which trains no embedding: it records no embedding width, head or class split to export`);
  }
  return parsed.data;
}

/** The build options of a few-shot candidate's network: an embedding of `dim` channels. */
export const embeddingBuild = (s: FewShotSpec) => ({ task: 'segmentation' as const, classes: s.dim });

export function describeFewShot(s: FewShotSpec, test: FewShotExport['test']): FewShotExport {
  const names = sceneClassNames('objects');
  const split = classSplit(s.fold);
  return {
    head: s.head, dim: s.dim, scale: s.scale, pool: s.pool,
    baseClasses: split.base.map((c) => names[c]), novelClasses: split.novel.map((c) => names[c]),
    answer: `the model maps images to per-pixel embeddings [N, h, w, ${s.dim}]; answer an episode by embedding its supports and query, then ${s.head === 'prototype'
      ? 'averaging the support embeddings under each class mask (background included) into prototypes and labelling each query pixel by the highest cosine similarity'
      : `letting each query pixel attend to the support pixels at 1/${s.pool} resolution (cosine x ${s.scale}, softmax) and taking their labels`}; answerEpisode in search/evaluate/fewshot-score.ts does this`,
    test,
  };
}

/** Trains the embedding for export on `recipe`'s epochs and the given scene counts; its test episodes' mIoU. */
export async function trainFewShotForExport(net: Network, s: FewShotSpec, recipe: FinalRecipe, counts: { train: number; test: number }, rng: Rng, backend: string):
  Promise<{ final: NonNullable<GenotypeExport['metrics']['final']>; fewshot: FewShotExport; normalize: { mean: number[]; std: number[] } }> {
  const data = loadSceneDataset({ variant: 'objects', counts: { train: counts.train, val: 0, test: counts.test } });
  const split = classSplit(s.fold);
  const episodes = fewShotEpisodes(data.test, data.shape, split, s, '--test-images');
  const trained = await trainEmbedding(net, data, relabelSplit(data.train, baseLabels(split, data.ignoreLabel)), split, s, rng, {
    epochs: recipe.epochs, batchSize: recipe.batchSize, learningRate: recipe.learningRate, optimizer: recipe.optimizer, weightDecay: recipe.weightDecay, seed: recipe.seed,
  });
  const scores = await scoreEpisodes((x) => net.forward(x, false), data, data.test, episodes, split.novel, { head: s.head, scale: s.scale, shots: FEWSHOT_SHOTS, pool: s.pool });
  const orNull = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);
  return {
    final: {
      dataset: FEWSHOT_DATASET, epochs: recipe.epochs, batchSize: recipe.batchSize, learningRate: recipe.learningRate, optimizer: recipe.optimizer,
      augment: null, seed: recipe.seed, trainImages: data.train.count, testImages: data.test.count, testAccuracy: null, testLoss: null,
      trainSeconds: trained.seconds, backend,
    },
    fewshot: describeFewShot(s, { miou1shot: orNull(scores.get(1)), miou5shot: orNull(scores.get(5)), episodes: episodes.length, scenes: data.test.count }),
    normalize: { mean: [...data.mean], std: [...data.std] },
  };
}
