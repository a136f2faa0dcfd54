/**
 * JSON that comes from outside (a file the user names, or text inside one): a parse error or a
 * nesting too deep for the code that walks it afterwards becomes a usage error naming the source.
 */
import type { z } from 'zod';
import { checkDepth } from './depth.ts';
import { UsageError } from './errors.ts';
import { readInputFile } from './files.ts';

export function parseJsonInput(text: string, source: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  checkDepth(json, source);
  return json;
}

/** `what` says what the file should hold, for the error when it cannot be read ("latency table"). */
export function readJsonInput(path: string, what: string): unknown {
  return parseJsonInput(readInputFile(path, what), path);
}

/**
 * A JSON-lines file from outside, each non-blank line checked by `schema`; a usage error naming
 * the file, line and field otherwise. `what` says what the file should hold ("bench/zero-cost.ts's
 * scores"); `flag`, when given, names the flag the path came by.
 */
export function readJsonLines<S extends z.ZodType>(path: string, schema: S, what: string, flag?: string): z.output<S>[] {
  let text: string;
  try {
    text = readInputFile(path, what);
  } catch (err) {
    throw flag ? new UsageError(`${flag} ${(err as Error).message}`) : err;
  }
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (!line.trim()) return [];
    const parsed = schema.safeParse(parseJsonInput(line, `${path}:${i + 1}`));
    if (parsed.success) return [parsed.data];
    const issue = parsed.error.issues[0];
    throw new UsageError(`${path}:${i + 1}: field '${issue.path.join('.')}': ${issue.message} (not a line of ${what})`);
  });
}
