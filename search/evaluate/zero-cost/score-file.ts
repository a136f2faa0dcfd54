/**
 * The score files bench/zero-cost.ts writes (OUT.scores.jsonl): one line per architecture and
 * section, each proxy's score or the reason it has none. Read with a zod schema, so that a damaged
 * or foreign line names its file, line and field.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../../util/errors.ts';

const scoredRow = z.object({
  section: z.string(), arch: z.string(),
  // A proxy undefined on a network (e.g. a singular kernel) gives its reason instead of a value.
  scores: z.record(z.string(), z.union([z.object({ value: z.number() }), z.object({ undefined: z.string() })])), seconds: z.record(z.string(), z.number()),
});
export type ZeroCostScored = z.infer<typeof scoredRow>;

/** The rows of one section ('reference': a table's architectures), checked. */
export function readZeroCostScores(path: string, section = 'reference'): ZeroCostScored[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UsageError(`${path}:${i + 1}: invalid JSON: ${(err as Error).message}`);
    }
    const parsed = scoredRow.safeParse(value);
    if (!parsed.success) throw new UsageError(`${path}:${i + 1}: field '${parsed.error.issues[0].path.join('.')}': ${parsed.error.issues[0].message} (not a row of bench/zero-cost.ts)`);
    return parsed.data.section === section ? [parsed.data] : [];
  });
}

/** A proxy's value per architecture (NaN where it is undefined). */
export const proxyValues = (rows: readonly ZeroCostScored[], proxy: string): Map<string, number> =>
  new Map(rows.map((r) => { const s = r.scores[proxy]; return [r.arch, s && 'value' in s ? s.value : NaN]; }));
