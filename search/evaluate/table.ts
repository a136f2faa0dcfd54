/**
 * Tabular evaluator: a search against a precomputed benchmark (NAS-Bench-201 and the like), one
 * architecture per row, keyed by the space's string form of a genotype. The user names the
 * column of each registered metric the table holds (`--col accuracy=top1,latency_ms=lat`);
 * evaluation is a lookup, so strategies can be compared over many seeds in seconds.
 */
import { z } from 'zod';
import { readInputFile } from '../util/files.ts';
import type { Genotype } from '../space/types.ts';
import { metricNames, type MetricName, type MetricValues as Metrics } from '../contracts/metrics.ts';
import { UsageError } from '../util/errors.ts';
import { parseRecords } from './table-records.ts';

export const tableColumnsSchema = z.strictObject({
  /** Column holding the architecture string (default 'arch'). */
  arch: z.string().optional(),
  /** The table's column of each metric it holds, by the metric registry's names. */
  metrics: z.partialRecord(z.enum(metricNames as [MetricName, ...MetricName[]]), z.string())
    .refine((m) => Object.keys(m).length > 0, 'names no metric column'),
});
export type TableColumns = z.infer<typeof tableColumnsSchema>;

const BUDGET_FIELD = /\{(epochs|images)\}/g;

/** Whether a column name holds the field of a budget resource: `acc_{epochs}` is a column per number of epochs (a learning curve per row). */
export const dependsOn = (columns: TableColumns, resource: 'epochs' | 'images'): boolean =>
  Object.values(columns.metrics).some((name) => name.includes(`{${resource}}`));

/**
 * The columns for one budget: `{epochs}` and `{images}` in a column name become the budget's
 * epochs and training images, so each rung of a multi-fidelity search reads its own result.
 */
export function columnsAt(columns: TableColumns, budget: { epochs: number; trainImages: number }): TableColumns {
  const at = (name: string) => name.replace(BUDGET_FIELD, (_, field: string) => String(field === 'epochs' ? budget.epochs : budget.trainImages));
  return { ...columns, metrics: Object.fromEntries(Object.entries(columns.metrics).map(([m, name]) => [m, at(name)])) };
}

export interface Table {
  path: string;
  rows: ReadonlyMap<string, Metrics>;
}

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
  const metricColumns = Object.entries(columns.metrics) as [MetricName, string][];
  const wanted: [string, string][] = [[archColumn, 'arch'], ...metricColumns.map(([metric, name]): [string, string] => [name, metric])];
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
    const metrics: Metrics = {};
    for (const [metric, name] of metricColumns) metrics[metric] = numberCell(path, line, name, fields[name]);
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
