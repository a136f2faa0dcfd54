/**
 * A run written out as a tabular benchmark: one row per finished candidate in the table
 * evaluator's format (an `arch` column holding the candidate's key, `accuracy`, `params`,
 * `flops`, `latencyMs`), each row carrying its own provenance (space hash, data set, split,
 * budget, seed, backend, date, run and command line) and its genotype, so that a table can be
 * continued on another machine from the file alone and evaluated again by other evaluators.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Candidate, Run } from '../store/store.ts';
import { canonicalJson } from '../space/load.ts';
import type { RunConfig } from '../run/config.ts';
import { UsageError } from '../util/errors.ts';
import { parseRecords, tableFormat } from '../evaluate/table-records.ts';

/** What must agree between the rows of one table: rows measured differently do not rank together. */
const provenanceSchema = z.object({
  space: z.string(),
  spaceHash: z.string(),
  dataset: z.string(),
  split: z.enum(['val', 'test']),
  budget: z.record(z.string(), z.unknown()),
  seed: z.int().min(0),
});

const rowSchema = provenanceSchema.extend({
  arch: z.string().min(1),
  accuracy: z.number(),
  params: z.number().nullable(),
  flops: z.number().nullable(),
  latencyMs: z.number().nullable(),
  trainSeconds: z.number().nullable(),
  genotype: z.unknown(),
  backend: z.string(),
  date: z.string(),
  run: z.int(),
  command: z.string(),
});
export type TableRow = z.infer<typeof rowSchema>;
export type Provenance = z.infer<typeof provenanceSchema>;

const OBJECT_COLUMNS = new Set(['budget', 'genotype']);
const NUMBER_COLUMNS = new Set(['accuracy', 'params', 'flops', 'latencyMs', 'trainSeconds', 'seed', 'run']);

export function provenanceOf(run: Pick<Run, 'spaceName' | 'spaceHash' | 'dataset' | 'seed'>, config: RunConfig): Provenance {
  const { split, ...budget } = config.proxy;
  return { space: run.spaceName, spaceHash: run.spaceHash, dataset: run.dataset, split: split ?? 'val', budget, seed: run.seed };
}

/** The finished candidates of a run as rows, in candidate order. */
export function rowsOfRun(run: Run, config: RunConfig, candidates: readonly Candidate[]): TableRow[] {
  const p = provenanceOf(run, config);
  return candidates.filter((c) => c.status === 'done' && c.metrics.accuracy !== undefined).map((c) => ({
    arch: c.key, accuracy: c.metrics.accuracy!, params: c.metrics.params ?? null, flops: c.metrics.flops ?? null,
    latencyMs: c.metrics.latency_ms ?? null, trainSeconds: c.metrics.train_seconds ?? null,
    ...p, genotype: c.genotype, backend: run.backend, date: new Date(c.finishedAt ?? run.updatedAt).toISOString(), run: run.id, command: run.commandLine,
  }));
}

/** The first field in which two provenances differ, or null. */
export function provenanceMismatch(a: Provenance, b: Provenance): string | null {
  for (const k of ['spaceHash', 'dataset', 'split', 'budget', 'seed'] as const) {
    if (canonicalJson(a[k]) !== canonicalJson(b[k])) return `${k} ${canonicalJson(a[k])} vs ${canonicalJson(b[k])}`;
  }
  return null;
}

/**
 * Rows of a table file written by writeRows (JSON Lines or CSV), checked. A file that does not
 * exist is a usage error naming `flag` (where the path came from) and the path: read as no rows, a
 * misspelt path would pass as an evaluator or a seed that scored nothing. A table being written
 * reads readRowsSoFar instead.
 */
export function readRows(path: string, flag?: string): TableRow[] {
  if (!existsSync(path)) throw new UsageError(`${flag ? `${flag} ` : ''}${path}: no such table file`);
  const { records } = parseRecords(path, readFileSync(path, 'utf8'));
  return records.map(({ line, fields }) => {
    const value: Record<string, unknown> = { ...fields };
    if (tableFormat(path) === 'csv') {
      for (const [k, v] of Object.entries(fields)) {
        if (typeof v !== 'string') continue;
        if (OBJECT_COLUMNS.has(k)) value[k] = parseJsonCell(path, line, k, v);
        else if (NUMBER_COLUMNS.has(k)) value[k] = v === '' ? null : Number(v);
      }
    }
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${path}:${line}: column '${issue.path.join('.')}': ${issue.message} (not a table written by cellscape table/reference)`);
    }
    return parsed.data;
  });
}

/** The rows a table being grown (reference, table, a bench's answers) holds so far: the file is the state, [] before its first rows are written. */
export function readRowsSoFar(path: string): TableRow[] {
  return existsSync(path) ? readRows(path) : [];
}

function parseJsonCell(path: string, line: number, column: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path}:${line}: column '${column}': expected JSON`);
  }
}

/**
 * The rows of `existing` followed by those of `fresh` whose architecture is not there yet:
 * a table only grows, and a row once written is never replaced by a later measurement.
 */
export function mergeRows(existing: readonly TableRow[], fresh: readonly TableRow[]): TableRow[] {
  const seen = new Set(existing.map((r) => r.arch));
  const out = [...existing];
  for (const r of fresh) if (!seen.has(r.arch)) { seen.add(r.arch); out.push(r); }
  return out;
}

/** Checks that every row was measured like `p`; a usage error naming the file, line and field otherwise. */
export function checkRows(path: string, rows: readonly TableRow[], p: Provenance): void {
  rows.forEach((r, i) => {
    const diff = provenanceMismatch(r, p);
    if (diff) throw new UsageError(`${path}: row ${i + 1} (${r.arch.slice(0, 40)}...) was measured differently (${diff}); write to another file`);
  });
}

const COLUMNS: (keyof TableRow)[] = ['arch', 'accuracy', 'params', 'flops', 'latencyMs', 'trainSeconds', 'space', 'spaceHash', 'dataset', 'split', 'budget', 'seed', 'backend', 'date', 'run', 'command', 'genotype'];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatRows(path: string, rows: readonly TableRow[]): string {
  if (tableFormat(path) === 'jsonl') return rows.map((r) => JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))).join('\n') + (rows.length ? '\n' : '');
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** Replaces the file in one rename, so that a reader or a kill never sees half a table. */
export function writeRows(path: string, rows: readonly TableRow[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, formatRows(path, rows));
  renameSync(tmp, path);
}
