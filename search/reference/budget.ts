/**
 * The reference budget: 20,000 image-epochs, 10x the default proxy's, in two epochs over more
 * distinct images; what one core affords for 50 darts-fmnist-small networks (bench/tables/README.md).
 * Also the default higher budget of a search's fidelity check.
 */
export const REFERENCE_BUDGET = { epochs: 2, trainImages: 10000, testImages: 2000 } as const;
