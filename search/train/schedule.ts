/** Learning-rate schedules, as pure functions of the step. */

/**
 * Cosine annealing from `max` to `min` over `total` steps (PyTorch CosineAnnealingLR, stepped per
 * batch rather than per epoch so that a 2-epoch proxy budget still anneals smoothly).
 */
export function cosineLr(step: number, total: number, max: number, min = 0): number {
  if (total <= 0) return max;
  const t = Math.min(Math.max(step, 0), total) / total;
  return min + 0.5 * (max - min) * (1 + Math.cos(Math.PI * t));
}
