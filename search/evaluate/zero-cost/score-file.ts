/**
 * The score files bench/zero-cost.ts writes (OUT.scores.jsonl): one line per architecture and
 * section, each proxy's score or the reason it has none. Read with a zod schema, so that a damaged
 * or foreign line names its file, line and field.
 */
import { z } from 'zod';
import { readJsonLines } from '../../util/json-input.ts';

const scoredRow = z.object({
  section: z.string(), arch: z.string(),
  // A proxy undefined on a network (e.g. a singular kernel) gives its reason instead of a value.
  scores: z.record(z.string(), z.union([z.object({ value: z.number() }), z.object({ undefined: z.string() })])), seconds: z.record(z.string(), z.number()),
});
export type ZeroCostScored = z.infer<typeof scoredRow>;

/** The rows of one section ('reference': a table's architectures), checked. */
export function readZeroCostScores(path: string, section = 'reference'): ZeroCostScored[] {
  return readJsonLines(path, scoredRow, "bench/zero-cost.ts's scores").filter((r) => r.section === section);
}

/** A proxy's value per architecture (NaN where it is undefined). */
export const proxyValues = (rows: readonly ZeroCostScored[], proxy: string): Map<string, number> =>
  new Map(rows.map((r) => { const s = r.scores[proxy]; return [r.arch, s && 'value' in s ? s.value : NaN]; }));
