/**
 * Scores a trained embedding on few-shot episodes: each episode's supports and queries are
 * embedded once, then for every shot count k the k-shot episode (the first k supports of each way)
 * is answered by the prototype or the cross-attention head. The figure per k is the mean over the
 * novel classes of their foreground IoU, intersections and unions summed over all episodes' query
 * pixels (PANet's and PFENet's mIoU; background is not averaged in).
 */
import * as tf from '@tensorflow/tfjs';
import { addToConfusion, classIoU, createConfusion, type Confusion } from '../data/metrics.ts';
import { segBatches } from '../data/segmentation/batches.ts';
import { episodeMask, type Episode } from '../data/segmentation/episodes.ts';
import { gatherScenes } from '../data/segmentation/gather.ts';
import type { SegDataset, SegSplit } from '../data/segmentation/types.ts';
import { prototypeLogits } from '../nn/prototype-match.ts';
import { attentionLogits } from '../nn/support-attention.ts';

export const FEWSHOT_HEADS = ['prototype', 'attention'] as const;
export type FewShotHead = (typeof FEWSHOT_HEADS)[number];

export interface EpisodeScoring {
  head: FewShotHead;
  /** Multiplies the cosine similarities (the prototype logits, the attention's softmax input). */
  scale: number;
  /** The shot counts to score, each at most the episodes' supports per way. */
  shots: readonly number[];
  /** The cross-attention head's pooling of embeddings before it attends. */
  pool: number;
  /** Called after each episode is scored: the executor's sign of life while episodes are answered. */
  onEpisode?: () => void;
}

type Data = Pick<SegDataset, 'shape' | 'mean' | 'std' | 'ignoreLabel'>;

/** One-hot class weights [n, h, w, classes] of episode masks, zero rows where ignored. */
function classWeights(masks: Uint8Array, n: number, shape: readonly number[], classes: number, ignoreLabel: number): tf.Tensor4D {
  const out = new Float32Array(masks.length * classes);
  for (let i = 0; i < masks.length; i++) if (masks[i] !== ignoreLabel) out[i * classes + masks[i]] = 1;
  return tf.tensor4d(out, [n, shape[0], shape[1], classes]);
}

/** An episode answered: its scenes, their masks in the episode's labels, and the queries' predictions per shot count. */
export interface EpisodeAnswer {
  /** Supports way-major (way j's K supports, then way j + 1's), then the queries: copies of the split's scenes. */
  scenes: SegSplit;
  /** The scenes' masks in the episode's labels: 0 background, j + 1 for way j, the ignore label kept. */
  masks: Uint8Array;
  /** Per shot count k, the queries' predicted masks (episode labels) from the first k supports of each way. */
  predicted: Map<number, Uint8Array>;
}

/** Embeds an episode's scenes once and answers its queries with the head at every shot count of `o.shots`. */
export async function answerEpisode(embed: (x: tf.Tensor4D) => tf.Tensor, data: Data, split: SegSplit, e: Episode, o: EpisodeScoring): Promise<EpisodeAnswer> {
  const [h, w, c] = data.shape;
  const px = h * w;
  const ways = e.classes.length;
  const order = [...e.supports.flat(), ...e.queries];
  const scenes = gatherScenes(split, order, data.shape);
  const [batch] = segBatches(scenes, data.shape, 0, { batchSize: order.length, seed: 0, mean: data.mean, std: data.std, shuffle: false });
  const masks = episodeMask(scenes.masks, e.classes, data.ignoreLabel);
  const shotsPerWay = e.supports[0].length;
  const nq = e.queries.length;
  const predicted = new Map<number, Uint8Array>();
  const emb = tf.tidy(() => embed(tf.tensor4d(batch.x, [order.length, h, w, c])));
  try {
    for (const k of o.shots) {
      if (k > shotsPerWay) throw new Error(`${k}-shot scores need episodes with at least ${k} supports a way, not ${shotsPerWay}`);
      const picked = Array.from({ length: ways }, (_, j) => Array.from({ length: k }, (_, s) => j * shotsPerWay + s)).flat();
      const supportMasks = new Uint8Array(picked.length * px);
      picked.forEach((p, i) => supportMasks.set(masks.subarray(p * px, (p + 1) * px), i * px));
      const pred = tf.tidy(() => {
        const supports = tf.gather(emb, picked);
        const queries = tf.slice(emb, [order.length - nq], [nq]);
        const weights = classWeights(supportMasks, picked.length, data.shape, ways + 1, data.ignoreLabel);
        const logits = o.head === 'prototype' ? prototypeLogits(queries, supports, weights, o.scale)
          : tf.image.resizeBilinear(attentionLogits(queries, supports, weights, o.scale, o.pool) as tf.Tensor4D, [h, w], false, true);
        return tf.argMax(logits, -1);
      });
      predicted.set(k, Uint8Array.from(await pred.data()));
      pred.dispose();
    }
  } finally {
    emb.dispose();
  }
  return { scenes, masks, predicted };
}

/**
 * Novel-class mIoU per shot count. `embed` maps normalised images [b, h, w, c] to embeddings
 * [b, h, w, d] at the input resolution; `novel` lists the classes the episodes draw from.
 */
export async function scoreEpisodes(embed: (x: tf.Tensor4D) => tf.Tensor, data: Data, split: SegSplit, episodes: readonly Episode[], novel: readonly number[], o: EpisodeScoring): Promise<Map<number, number>> {
  const px = data.shape[0] * data.shape[1];
  // Background is row 0, novel[i] row i + 1: an episode's labels map onto the global novel classes.
  const confusions = new Map<number, Confusion>(o.shots.map((k) => [k, createConfusion(novel.length + 1)]));
  for (const e of episodes) {
    const answer = await answerEpisode(embed, data, split, e, o);
    const global = Uint8Array.from([0, ...e.classes.map((cl) => novel.indexOf(cl) + 1)]);
    const queryTruth = answer.masks.subarray(answer.masks.length - e.queries.length * px).map((t) => (t === data.ignoreLabel ? t : global[t]));
    for (const [k, predicted] of answer.predicted) addToConfusion(confusions.get(k)!, predicted.map((p) => global[p]), queryTruth, data.ignoreLabel);
    o.onEpisode?.();
  }
  return new Map([...confusions].map(([k, conf]) => [k, novelMeanIoU(conf)]));
}

/** Mean IoU of the foreground rows (the novel classes) that occur; NaN when none does. */
function novelMeanIoU(conf: Confusion): number {
  const ious = classIoU(conf).slice(1).filter((x) => !Number.isNaN(x));
  return ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : NaN;
}
