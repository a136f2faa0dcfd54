/**
 * The few-shot episode a candidate's page shows (contracts/fewshot-preview.ts): the run's first
 * episode answered at every shot count on its first query, by the same code that scores episodes.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FewShotPreview } from '../contracts/fewshot-preview.ts';
import { encodeImage, encodeMask } from '../contracts/seg-preview.ts';
import type { Episode } from '../data/segmentation/episodes.ts';
import type { SegDataset, SegSplit } from '../data/segmentation/types.ts';
import { imageSize } from '../data/types.ts';
import { answerEpisode, type EpisodeScoring } from './fewshot-score.ts';

type Data = Pick<SegDataset, 'shape' | 'mean' | 'std' | 'ignoreLabel' | 'classNames'>;

export async function episodePreview(embed: (x: tf.Tensor4D) => tf.Tensor, data: Data, split: SegSplit, e: Episode, o: EpisodeScoring): Promise<FewShotPreview> {
  const [height, width, channels] = data.shape;
  const px = height * width, size = imageSize(data.shape);
  const { scenes, masks, predicted } = await answerEpisode(embed, data, split, { ...e, queries: e.queries.slice(0, 1) }, o);
  const image = (i: number) => encodeImage(scenes.images.subarray(i * size, (i + 1) * size), channels, height, width);
  const mask = (m: Uint8Array, i = 0) => encodeMask(m.subarray(i * px, (i + 1) * px), height, width);
  const shotsPerWay = e.supports[0].length;
  const query = scenes.count - 1;
  return {
    head: o.head, height, width, ignoreLabel: data.ignoreLabel,
    classNames: ['background', ...e.classes.map((c) => data.classNames[c])],
    supports: e.supports.map((way, j) => way.map((_, s) => ({ image: image(j * shotsPerWay + s), mask: mask(masks, j * shotsPerWay + s) }))),
    query: { image: image(query), truth: mask(masks, query) },
    predictions: [...predicted].map(([shots, p]) => ({ shots, predicted: mask(p) })),
  };
}
