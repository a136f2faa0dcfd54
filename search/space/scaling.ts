/**
 * EfficientNet's compound scaling (Tan & Le 2019) on block genotypes: depth, width and input
 * resolution grow together as alpha^phi, beta^phi and gamma^phi, with alpha * beta^2 * gamma^2 ~ 2
 * so that each step of phi roughly doubles the FLOPs. Pure: the grid of coefficients, a scaled
 * genotype, and the space definition that admits a scaled family (the shipped spaces' depth and
 * width choices stop short of it).
 */
import type { BlockSpaceDef } from './schema.ts';
import type { BlockGenotype, BlockLayer } from './types.ts';
import { canonicalBlock, makeDivisible } from './block.ts';

export interface Coefficients { alpha: number; beta: number; gamma: number }

/** FLOPs grow by about this per step of phi (conv FLOPs go as depth * width^2 * resolution^2). */
export const FLOPS_PER_PHI = 2;

/** Width alone and depth alone at the same FLOPs growth: the baselines compound scaling is compared with. */
export const WIDTH_ONLY: Coefficients = { alpha: 1, beta: Math.SQRT2, gamma: 1 };
export const DEPTH_ONLY: Coefficients = { alpha: 2, beta: 1, gamma: 1 };

export const flopsFactor = (c: Coefficients): number => c.alpha * c.beta ** 2 * c.gamma ** 2;

/**
 * The grid EfficientNet searched at phi = 1: every (alpha, beta) of the given values with the
 * gamma >= 1 that makes alpha * beta^2 * gamma^2 exactly FLOPS_PER_PHI (rounded to 3 decimals).
 */
export function compoundGrid(alphas: readonly number[], betas: readonly number[]): Coefficients[] {
  const out: Coefficients[] = [];
  for (const alpha of alphas) for (const beta of betas) {
    const gamma = Math.sqrt(FLOPS_PER_PHI / (alpha * beta ** 2));
    if (alpha >= 1 && beta >= 1 && gamma >= 1) out.push({ alpha, beta, gamma: Math.round(gamma * 1000) / 1000 });
  }
  return out;
}

/** Depth, width and resolution multipliers at phi. */
export function multipliersAt(c: Coefficients, phi: number): { depth: number; width: number; resolution: number } {
  return { depth: c.alpha ** phi, width: c.beta ** phi, resolution: c.gamma ** phi };
}

/** A stage's depth times d, rounded up (EfficientNet's round_repeats). */
export const scaleDepth = (depth: number, d: number): number => Math.ceil(depth * d - 1e-9);
/** A width times w, to a multiple of 8 (MobileNet's rounding, as the block space rounds its widths). */
export const scaleWidth = (width: number, w: number): number => makeDivisible(width * w);
/** An input side times r, to the nearest integer. */
export const scaleResolution = (side: number, r: number): number => Math.round(side * r);

/**
 * The genotype scaled at phi: each stage's active layers repeated up to its scaled depth (new
 * layers copy the stage's last one, as EfficientNet repeats a stage's block), every width scaled,
 * and the input side `side` (the data set's, or the genotype's own resolution) scaled.
 */
export function scaleBlockGenotype(g: BlockGenotype, side: number, c: Coefficients, phi: number): BlockGenotype & { resolution: number } {
  const m = multipliersAt(c, phi);
  const { stages } = canonicalBlock(g);
  return {
    ...g,
    stages: stages.map((s) => {
      const depth = scaleDepth(s.depth, m.depth);
      const width = scaleWidth(s.layers[0].width, m.width);
      const layers: BlockLayer[] = Array.from({ length: depth }, (_, i) => ({ ...s.layers[Math.min(i, s.layers.length - 1)], width }));
      return { depth, layers };
    }),
    resolution: scaleResolution(g.resolution ?? side, m.resolution),
  };
}

/**
 * The space definition that admits every genotype given: the stages' depth choices and width
 * multipliers widened to theirs, and their resolutions declared (with `side`, the unscaled input).
 */
export function scaledSpaceDef(def: BlockSpaceDef, family: readonly (BlockGenotype & { resolution: number })[], side: number, name: string): BlockSpaceDef {
  const union = <T>(a: readonly T[], b: readonly T[]): T[] => [...new Set([...a, ...b])];
  return {
    ...def,
    name,
    description: `${def.name} widened for a compound-scaled family (cellscape scale): ${def.description ?? ''}`.trim(),
    stages: def.stages.map((sd, s) => ({
      ...sd,
      depth: union(sd.depth, family.map((g) => g.stages[s].depth)).sort((a, b) => a - b),
      width: { ...sd.width, multipliers: union(sd.width.multipliers, family.map((g) => g.stages[s].layers[0].width / sd.width.base)).sort((a, b) => a - b) },
    })),
    resolution: union(def.resolution ?? [side], family.map((g) => g.resolution)).sort((a, b) => a - b),
  };
}
