/**
 * The reference budget: 20,000 image-epochs, 5x the default proxy's, in two epochs over more
 * distinct images; what one core affords for 50 darts-fmnist-small networks (bench/tables/README.md).
 */
export const REFERENCE_BUDGET = { epochs: 2, trainImages: 10000, testImages: 2000 } as const;

export interface CheckBudget { epochs: number; trainImages: number; valImages: number }

/** A check needs a budget at least this many times the proxy's image-epochs, or it measures noise against noise. */
const CHECK_FACTOR = 5;

/**
 * The default higher budget of a fidelity check: the reference budget, so that a search's check
 * and `cellscape fidelity --table` against the committed tables measure against the same
 * training (for the default proxy it is 5x); for a proxy within 5x of it, 5x the proxy's epochs
 * on its images. Scored on at least as many validation images as the reference's test images.
 */
export function defaultCheckBudget(proxy: CheckBudget): CheckBudget {
  const valImages = Math.max(proxy.valImages, REFERENCE_BUDGET.testImages);
  if (REFERENCE_BUDGET.epochs * REFERENCE_BUDGET.trainImages >= CHECK_FACTOR * proxy.epochs * proxy.trainImages) {
    return { epochs: REFERENCE_BUDGET.epochs, trainImages: REFERENCE_BUDGET.trainImages, valImages };
  }
  return { epochs: CHECK_FACTOR * proxy.epochs, trainImages: proxy.trainImages, valImages };
}
