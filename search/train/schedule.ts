/** Learning-rate schedules, as pure functions of the step. */

/**
 * Cosine annealing from `max` to `min` over `total` steps (PyTorch CosineAnnealingLR, stepped per
 * batch rather than per epoch so that a 2-epoch proxy budget still anneals smoothly), after an
 * optional linear warm-up over the first `warmup` steps (from max/warmup up to max): a short
 * from-scratch run at a high rate otherwise spends its first steps undoing the first updates.
 */
export function cosineLr(step: number, total: number, max: number, min = 0, warmup = 0): number {
  if (total <= 0) return max;
  const s = Math.min(Math.max(step, 0), total);
  const w = Math.min(Math.max(Math.round(warmup), 0), total);
  if (s < w) return (max * (s + 1)) / w;
  const t = total === w ? 1 : (s - w) / (total - w);
  return min + 0.5 * (max - min) * (1 + Math.cos(Math.PI * t));
}
