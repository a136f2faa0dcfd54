import type { Dataset, Split } from '../data/types.ts';

/** What training needs of a data set; a Dataset fits. `val` may be absent (final training). */
export type TrainData = Pick<Dataset, 'shape' | 'numClasses' | 'mean' | 'std' | 'augment'> & { train: Split; val?: Split };
