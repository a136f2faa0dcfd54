/**
 * Command-line flags: node's parseArgs for the syntax, a zod schema keyed by flag name for the
 * values, so that every error names the flag it is about.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { UsageError } from '../util/errors.ts';

export function parseFlags<S extends z.ZodType>(argv: string[], schema: S, o: { booleans?: string[]; positionals?: number } = {}):
  { flags: z.output<S>; positionals: string[] } {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of Object.keys(shape)) options[name] = { type: o.booleans?.includes(name) ? 'boolean' : 'string' };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: (o.positionals ?? 0) > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.positionals.length > (o.positionals ?? 0)) throw new UsageError(`unexpected argument '${parsed.positionals[o.positionals ?? 0]}'`);
  const result = schema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = issue.path.length ? `--${String(issue.path[0])}` : 'flags';
    const given = issue.path.length ? parsed.values[String(issue.path[0])] : undefined;
    throw new UsageError(`${flag}${given === undefined ? '' : ` '${String(given)}'`}: ${issue.message}`);
  }
  return { flags: result.data, positionals: parsed.positionals };
}
