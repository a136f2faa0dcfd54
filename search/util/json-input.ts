/**
 * JSON that comes from outside (a file the user names, or text inside one): a parse error or a
 * nesting too deep for the code that walks it afterwards becomes a usage error naming the source.
 */
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
