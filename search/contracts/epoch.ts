/** One epoch of a training run, as evaluators report it and the store keeps it. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}
