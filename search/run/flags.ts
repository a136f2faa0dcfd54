/**
 * Command-line flags: node's parseArgs for the syntax, a zod schema keyed by flag name for the
 * values, so that every error names the flag it is about.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { UsageError } from '../util/errors.ts';

type Options = Record<string, { type: 'string' | 'boolean' }>;

/** Options for parseArgs: every key of the schema, as a string unless listed as boolean. */
function optionsOf(schema: z.ZodType, booleans: readonly string[] = []): Options {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  return Object.fromEntries(Object.keys(shape).map((name) => [name, { type: booleans.includes(name) ? 'boolean' : 'string' }]));
}

function check<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = issue.path.length ? `--${String(issue.path[0])}` : 'flags';
    const given = issue.path.length ? values[String(issue.path[0])] : undefined;
    throw new UsageError(`${flag}${given === undefined ? '' : ` '${String(given)}'`}: ${issue.message}`);
  }
  return result.data;
}

export function parseFlags<S extends z.ZodType>(argv: string[], schema: S, o: { booleans?: readonly string[]; positionals?: number } = {}):
  { flags: z.output<S>; positionals: string[] } {
  const options = optionsOf(schema, o.booleans);
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: (o.positionals ?? 0) > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.positionals.length > (o.positionals ?? 0)) throw new UsageError(`unexpected argument '${parsed.positionals[o.positionals ?? 0]}'`);
  return { flags: check(schema, parsed.values), positionals: parsed.positionals };
}

/**
 * The flags `schema` names, read out of argv, and the rest of argv untouched: for a command whose
 * other flags depend on one of these (search reads --strategy, then the strategy's own flags).
 */
export function parseKnownFlags<S extends z.ZodType>(argv: string[], schema: S, o: { booleans?: readonly string[] } = {}):
  { flags: z.output<S>; rest: string[] } {
  const options = optionsOf(schema, o.booleans);
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, unknown> = {};
  const taken = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !(t.name in options)) continue;
    const takesValue = options[t.name].type === 'string';
    if (takesValue && t.value === undefined) throw new UsageError(`option '${t.rawName} <value>' argument missing`);
    values[t.name] = takesValue ? t.value : true;
    taken.add(t.index);
    if (takesValue && !t.inlineValue) taken.add(t.index + 1);
  }
  return { flags: check(schema, values), rest: argv.filter((_, i) => !taken.has(i)) };
}
