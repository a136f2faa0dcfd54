/** The /candidates answer's cursor as text in a query string: `<finish time>:<id>.<id>...`. */
import type { FinishCursor } from '../../search/store/types.ts';

export function encodeCursor(c: FinishCursor): string {
  return `${c.at}:${c.ids.join('.')}`;
}

/** Parses a cursor from a query string; null if it is malformed. */
export function decodeCursor(text: string): FinishCursor | null {
  const m = /^(\d{1,15}):((?:\d{1,15}(?:\.\d{1,15})*)?)$/.exec(text);
  if (!m) return null;
  return { at: Number(m[1]), ids: m[2] ? m[2].split('.').map(Number) : [] };
}
