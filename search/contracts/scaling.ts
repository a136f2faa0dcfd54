/**
 * A compound-scaled family as runs store it: `cellscape scale` adds a 'scaled-family' event to the
 * list run that trained the family, naming the source (run and candidate, phi = 0), the
 * coefficients, the grid it searched and each member's candidate, so readers (the explorer's
 * plots) can draw the family as a line without knowing any space.
 */
import { z } from 'zod';

export const SCALED_FAMILY_EVENT = 'scaled-family';

const coefficients = { alpha: z.number().positive(), beta: z.number().positive(), gamma: z.number().positive() };

export const scaledFamilyDataSchema = z.strictObject({
  sourceRun: z.int(),
  sourceCandidate: z.int(),
  /** compound (grid-searched coefficients), width (width alone), depth (depth alone), or fixed (given). */
  label: z.enum(['compound', 'width', 'depth', 'fixed']),
  ...coefficients,
  /** The coefficients tried at phi = 1 and the quality each reached (null: its training failed). */
  grid: z.array(z.strictObject({ ...coefficients, candidate: z.int().nullable(), quality: z.number().nullable() })),
  /** phi = 1..k: the candidate trained at each (null: its training failed). */
  members: z.array(z.strictObject({ phi: z.int().min(1), candidate: z.int().nullable() })),
});
export type ScaledFamilyData = z.infer<typeof scaledFamilyDataSchema>;
