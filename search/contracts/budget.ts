/** How much training a proxy evaluation of one candidate gets, and how. */
import type { OptimizerKind } from '../train/optimizer.ts';

/** How a proxy trains besides its budget; see search/train/recipes.ts. */
export interface ProxyRecipe {
  optimizer: OptimizerKind;
  /** Share of the steps spent on a linear learning-rate warm-up. */
  warmupFraction: number;
  labelSmoothing: number;
  /** The data set's own augmentation, or none. */
  augment: boolean;
}

export interface ProxyBudget {
  /** Epochs of training from scratch. */
  epochs: number;
  /** Training images used (a seeded, class-stratified subset of the train split). */
  trainImages: number;
  /** Images of the scored split the accuracy is measured on. */
  valImages: number;
  batchSize: number;
  learningRate: number;
  /** Absent in runs made before recipes: momentum SGD with augmentation, no warm-up or smoothing. */
  recipe?: ProxyRecipe;
  /**
   * The split accuracy is measured on (default 'val'). Reference tables score on 'test', which
   * no search ever looks at.
   */
  split?: 'val' | 'test';
}
