/**
 * Reads the records of a tabular benchmark file: CSV (RFC 4180: quoted fields, doubled quotes,
 * newlines inside quotes) with a header row, or JSON Lines with one object per line. Every
 * record carries the line it starts on, so that errors further on can name it.
 */
import { UsageError } from '../util/errors.ts';

export interface SourceRecord {
  line: number;
  fields: Record<string, unknown>;
}

export function tableFormat(path: string): 'csv' | 'jsonl' {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new UsageError(`${path}: unknown table format; name it .csv, .jsonl or .ndjson`);
}

export function parseRecords(path: string, text: string): { columns: string[]; records: SourceRecord[] } {
  return tableFormat(path) === 'csv' ? parseCsv(path, text) : parseJsonLines(path, text);
}

function parseJsonLines(path: string, text: string): { columns: string[]; records: SourceRecord[] } {
  const records: SourceRecord[] = [];
  const columns = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UsageError(`${path}:${i + 1}: invalid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`${path}:${i + 1}: expected a JSON object per line`);
    }
    for (const k of Object.keys(value)) columns.add(k);
    records.push({ line: i + 1, fields: value as Record<string, unknown> });
  });
  return { columns: [...columns], records };
}

/** Rows of raw cells with the line each starts on. */
function csvRows(path: string, text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let rowHasContent = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else { if (ch === '\n') line++; cell += ch; }
      continue;
    }
    if (ch === '"' && cell === '') { quoted = true; rowHasContent = true; }
    else if (ch === ',') { cells.push(cell); cell = ''; rowHasContent = true; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (rowHasContent || cell !== '') { cells.push(cell); rows.push({ line: rowLine, cells }); }
      cells = []; cell = ''; rowHasContent = false;
      line++;
      rowLine = line;
    } else { cell += ch; rowHasContent = true; }
  }
  if (quoted) throw new UsageError(`${path}:${rowLine}: unterminated quoted field`);
  if (rowHasContent || cell !== '') { cells.push(cell); rows.push({ line: rowLine, cells }); }
  return rows;
}

function parseCsv(path: string, text: string): { columns: string[]; records: SourceRecord[] } {
  const rows = csvRows(path, text.replace(/^\uFEFF/, ''));
  if (rows.length === 0) throw new UsageError(`${path}: empty file (expected a header row)`);
  const columns = rows[0].cells.map((c) => c.trim());
  const records = rows.slice(1).map(({ line, cells }) => {
    if (cells.length !== columns.length) {
      throw new UsageError(`${path}:${line}: expected ${columns.length} fields as in the header, got ${cells.length}`);
    }
    return { line, fields: Object.fromEntries(columns.map((c, i) => [c, cells[i]])) };
  });
  return { columns, records };
}
