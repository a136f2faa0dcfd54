/**
 * Tabular evaluator: a search against a precomputed benchmark (NAS-Bench-201 and the like), one
 * architecture per row, keyed by the space's string form of a genotype. The user names the
 * columns that serve as accuracy, latency, parameters and FLOPs; evaluation is a lookup, so
 * strategies can be compared over many seeds in seconds.
 */
import { z } from 'zod';
import { readInputFile } from '../util/files.ts';
import type { Genotype } from '../space/types.ts';
import type { Metrics } from '../objectives/metrics.ts';
import { UsageError } from '../util/errors.ts';
import { parseRecords } from './table-records.ts';

export const tableColumnsSchema = z.strictObject({
  /** Column holding the architecture string (default 'arch'). */
  arch: z.string().optional(),
  accuracy: z.string(),
  latency: z.string().optional(),
  params: z.string().optional(),
  flops: z.string().optional(),
});
export type TableColumns = z.infer<typeof tableColumnsSchema>;

export interface Table {
  path: string;
  rows: ReadonlyMap<string, Metrics>;
}

const metricColumns = [['accuracy', 'accuracy'], ['latency', 'latencyMs'], ['params', 'params'], ['flops', 'flops']] as const;

function numberCell(path: string, line: number, column: string, raw: unknown): number {
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(v)) {
    throw new UsageError(`${path}:${line}: column '${column}': expected a number, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  }
  return v;
}

/** Parses a table from text (the file's contents); `path` names it in errors and picks the format. */
export function parseTable(path: string, text: string, columns: TableColumns): Table {
  const { columns: present, records } = parseRecords(path, text);
  const archColumn = columns.arch ?? 'arch';
  const wanted: [string, string][] = [[archColumn, 'arch']];
  for (const [option] of metricColumns) {
    const name = columns[option];
    if (name !== undefined) wanted.push([name, option]);
  }
  for (const [name, role] of wanted) {
    if (!present.includes(name)) {
      throw new UsageError(`${path}:1: no column '${name}' (named as the ${role} column); columns: ${present.join(', ')}`);
    }
  }
  const rows = new Map<string, Metrics>();
  const lineOf = new Map<string, number>();
  for (const { line, fields } of records) {
    const arch = fields[archColumn];
    if (typeof arch !== 'string' || arch.trim() === '') {
      throw new UsageError(`${path}:${line}: column '${archColumn}': expected an architecture string, got ${JSON.stringify(arch ?? null)}`);
    }
    const key = arch.trim();
    if (lineOf.has(key)) throw new UsageError(`${path}:${line}: column '${archColumn}': '${key}' already on line ${lineOf.get(key)}`);
    const metrics: Metrics = { accuracy: numberCell(path, line, columns.accuracy, fields[columns.accuracy]) };
    for (const [option, metric] of metricColumns.slice(1)) {
      const name = columns[option];
      if (name !== undefined) metrics[metric] = numberCell(path, line, name, fields[name]);
    }
    rows.set(key, metrics);
    lineOf.set(key, line);
  }
  if (rows.size === 0) throw new UsageError(`${path}: no rows after the header`);
  return { path, rows };
}

export function loadTable(path: string, columns: TableColumns): Table {
  return parseTable(path, readInputFile(path, 'the table'), columns);
}

export interface TableEvaluator<G extends Genotype = Genotype> {
  evaluate(genotype: G): Metrics;
}

/**
 * Looks genotypes up by `toArchString` (the space's string form, e.g. NAS-Bench-201's
 * `|nor_conv_3x3~0|+|...|`): the raw form, not the canonical key, since a benchmark lists every
 * labelling of a cell with its own measurements.
 */
export function createTableEvaluator<G extends Genotype>(table: Table, toArchString: (g: G) => string): TableEvaluator<G> {
  return {
    evaluate(genotype) {
      const arch = toArchString(genotype);
      const metrics = table.rows.get(arch);
      if (!metrics) throw new UsageError(`architecture '${arch}' is not in the table ${table.path} (${table.rows.size} rows)`);
      return { ...metrics };
    },
  };
}
