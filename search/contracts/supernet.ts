/**
 * What a weight-sharing supernet run stores for readers (the explorer's supernet view) beside its
 * epochs: each epoch's note (`spos-epoch`, `ofa-epoch`) with the watched subnets' scores, written
 * by the single-path trainer (strategies/one-shot/run.ts); and, for every subnet `cellscape
 * specialise` exports, a 'specialised' event on its search naming the supernet run and the
 * candidate, whose `extra.specialised` holds the export's figures.
 */
import { z } from 'zod';

/** The strategies that train a single-path supernet, one subnet a step. */
export const PATH_TRAINERS = ['spos', 'ofa'] as const;

/** The kind of an epoch's note of a single-path trainer. */
export const epochEventKind = (strategy: string): string => `${strategy}-epoch`;

export const supernetEpochDataSchema = z.strictObject({
  epoch: z.int().min(0),
  /** Once-for-All: the progressive-shrinking phase the epoch trained. */
  phase: z.string().optional(),
  /** The watched subnets (the same every epoch, in the same order), scored with inherited weights. */
  subnets: z.array(z.strictObject({ key: z.string(), accuracy: z.number(), loss: z.number() })),
  checkpoint: z.string(),
});
export type SupernetEpochData = z.infer<typeof supernetEpochDataSchema>;

export const SPECIALISED_EVENT = 'specialised';

export const specialisedEventSchema = z.strictObject({
  supernetRun: z.int(),
  candidate: z.int(),
});
export type SpecialisedEvent = z.infer<typeof specialisedEventSchema>;

/** `extra.specialised` of an exported candidate. */
export const specialisedExtraSchema = z.strictObject({
  metric: z.enum(['latency_ms', 'flops', 'params']),
  /** The target: at most this much of the metric. */
  limit: z.number().positive(),
  /** The exported network's median batch-1 latency (tfjs, one thread). */
  measuredLatencyMs: z.number(),
  /** On the test split, after fine-tuning if any (null: not measured). */
  testAccuracy: z.number().nullable(),
  fineTuneEpochs: z.int().min(0),
  /** The supernet checkpoint the weights were inherited from. */
  supernet: z.string(),
});
export type SpecialisedExtra = z.infer<typeof specialisedExtraSchema>;
