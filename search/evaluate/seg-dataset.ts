/** The built-in segmentation data sets a proxy trains and scores on. */
import { loadSceneDataset } from '../data/segmentation/builtin.ts';
import { loadDomainShift } from '../data/segmentation/domain-shift.ts';
import type { SceneVariant } from '../data/segmentation/scenes.ts';
import type { SegDataset } from '../data/segmentation/types.ts';
import { UsageError } from '../util/errors.ts';

export const SEG_DATASETS = ['scenes-objects', 'scenes-context', 'scenes-domain'] as const;

/** The data set whose jobs are scored on a second, shifted domain (search/evaluate/domain-shift.ts). */
export const DOMAIN_DATASET = 'scenes-domain';

/**
 * A built-in segmentation data set with `train`/`val` scenes (no test scenes: a proxy never reads
 * them); for `scenes-domain`, its labelled source domain.
 */
export function segmentationDataset(name: string, counts: { train: number; val: number }, seed = 0): SegDataset {
  if (!(SEG_DATASETS as readonly string[]).includes(name)) throw new UsageError(`unknown segmentation data set '${name}': choose one of ${SEG_DATASETS.join(', ')}`);
  if (name === DOMAIN_DATASET) return loadDomainShift({ counts, seed }).source;
  return loadSceneDataset({ variant: name.slice('scenes-'.length) as SceneVariant, counts: { ...counts, test: 0 }, seed });
}
