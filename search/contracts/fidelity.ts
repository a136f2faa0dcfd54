/**
 * The figures of rank fidelity as runs store them (events.data_json) and readers check them:
 * 'fidelity' (cellscape fidelity --table: an evaluator against a reference table, on the list run
 * it made) and 'fidelity-check' (a search's own candidates evaluated again at a higher budget, on
 * the search run). A figure that JSON could not hold (NaN: a constant side) is stored as null.
 */
import { z } from 'zod';

/** Below this Spearman's rho, a check is shown as a warning: the cheap ranking is not to be trusted. */
export const LOW_FIDELITY = 0.5;

export const LOW_FIDELITY_TEXT = "your evaluator's ranking disagrees with a longer training";

const figure = z.number().nullable();

export const fidelityFigureSchema = z.looseObject({
  n: z.int().min(0),
  spearman: figure,
  kendall: figure,
  top10: figure,
  /** Of the evaluator being judged. */
  secondsPerCandidate: figure,
  /** 90 % bootstrap interval of the Spearman (measurements stored before it: absent). */
  spearmanLo: figure.optional(),
  spearmanHi: figure.optional(),
});

/** A budget as the run config's proxy block holds it (other fields kept). */
const budgetSchema = z.looseObject({ epochs: z.int().min(1), trainImages: z.int().min(1), valImages: z.int().min(1).optional() });

export const fidelityCheckDataSchema = fidelityFigureSchema.extend({
  /** The list run that evaluated the candidates again. */
  checkRun: z.int(),
  budget: budgetSchema,
  /** Candidate ids checked, the front's first. */
  candidates: z.array(z.int()),
  /** How many of them are on the front (checks stored before this field: absent). */
  front: z.int().min(0).optional(),
  /** Per candidate: the search's score and the higher budget's accuracy. */
  pairs: z.array(z.strictObject({ id: z.int(), score: z.number(), check: z.number() })).optional(),
  /** Seconds a candidate took at the higher budget. */
  checkSecondsPerCandidate: figure.optional(),
});
export type FidelityCheckData = z.infer<typeof fidelityCheckDataSchema>;

export const fidelityTableDataSchema = fidelityFigureSchema.extend({
  /** The reference table's path, its row count and digest. */
  reference: z.string(),
  referenceRows: z.int().min(0),
  referenceSha256: z.string().optional(),
  evaluator: z.looseObject({ kind: z.string() }),
  proxy: budgetSchema,
});
export type FidelityTableData = z.infer<typeof fidelityTableDataSchema>;
