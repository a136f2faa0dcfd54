/** A resumable bench's results: one JSON line per measurement, appended as they come, read back to skip what is done. */
import { existsSync, readFileSync } from 'node:fs';

/** The file's rows ([] when it does not exist yet); an error naming the file and line when one is not JSON. */
export function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try { return JSON.parse(l) as T; } catch { throw new Error(`${path} line ${i + 1}: not JSON`); }
  });
}

/** Three decimals, or a dash for a figure that was not measured. */
export const f3 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
