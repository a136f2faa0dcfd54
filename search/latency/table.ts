/**
 * Per-operation latency lookup tables: measured once per space and runtime, then a network's
 * latency is predicted as the sum of its units' entries (units.ts).
 */
import { writeFileSync } from 'node:fs';
import { readJsonInput } from '../util/json-input.ts';
import { z } from 'zod';
import type { Network } from '../nn/network.ts';
import { UsageError } from '../util/errors.ts';
import { latencyUnits, type LatencyUnit } from './units.ts';
import { measureForward, randomInput, type LatencyMeasurement, type MeasureOptions } from './measure.ts';

export const LatencyTableSchema = z.strictObject({
  version: z.literal(1),
  runtime: z.string().min(1),
  backend: z.string().min(1),
  threads: z.int().min(0),
  space: z.string().min(1),
  spaceHash: z.string().min(1),
  inShape: z.array(z.int().min(1)).length(3),
  warmup: z.int().min(0),
  repeats: z.int().min(1),
  created: z.string(),
  entries: z.record(z.string().min(1), z.strictObject({ medianMs: z.number().nonnegative(), iqrMs: z.number().nonnegative() })),
  /** How well the table ranked measured whole networks when it was made. */
  check: z.strictObject({ samples: z.int().min(0), spearman: z.number().nullable() }).optional(),
});
export type LatencyTable = z.output<typeof LatencyTableSchema>;

export function parseLatencyTable(json: unknown, source: string): LatencyTable {
  const parsed = LatencyTableSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new UsageError(`${source}: not a latency table: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`);
  }
  return parsed.data;
}

export function readLatencyTable(path: string): LatencyTable {
  return parseLatencyTable(readJsonInput(path, 'latency table'), path);
}

export function writeLatencyTable(path: string, table: LatencyTable): void {
  writeFileSync(path, JSON.stringify(table, null, 2) + '\n');
}

/** Sum of the table's entries over the network's units; a unit missing from the table is an error naming it. */
export function predictLatency(table: LatencyTable, net: Network, source = 'latency table'): number {
  const units = latencyUnits(net);
  const missing = [...new Set(units.filter((u) => !(u.key in table.entries)).map((u) => u.key))];
  if (missing.length) throw new Error(`${source} has no entry for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (made for space '${table.space}'; rebuild it with cellscape lut)`);
  return units.reduce((s, u) => s + table.entries[u.key].medianMs, 0);
}

/** Measures each distinct unit once (first occurrence), in key order; `onUnit` after each, for progress. */
export async function measureUnits(
  units: LatencyUnit[], opts: MeasureOptions, onUnit?: (key: string, m: LatencyMeasurement) => void,
): Promise<LatencyTable['entries']> {
  const byKey = new Map<string, LatencyUnit>();
  for (const u of units) if (!byKey.has(u.key)) byKey.set(u.key, u);
  const entries: LatencyTable['entries'] = {};
  for (const key of [...byKey.keys()].sort()) {
    const unit = byKey.get(key)!;
    const inputs = unit.inShapes.map((s, i) => randomInput([1, ...s], i));
    try {
      const m = await measureForward(unit.run, inputs, opts);
      entries[key] = { medianMs: m.medianMs, iqrMs: m.iqrMs };
      onUnit?.(key, m);
    } finally {
      inputs.forEach((t) => t.dispose());
    }
  }
  return entries;
}
