/** How much training a proxy evaluation of one candidate gets. */
export interface ProxyBudget {
  /** Epochs of training from scratch. */
  epochs: number;
  /** Training images used (a seeded, class-stratified subset of the train split). */
  trainImages: number;
  /** Validation images the accuracy is measured on. */
  valImages: number;
  batchSize: number;
  learningRate: number;
}
