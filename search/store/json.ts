/** JSON columns are checked with zod when read back, and a bad one is reported with table, column and row. */
import { z } from 'zod';

export const anyJson = z.unknown();
export const jsonRecord = z.record(z.string(), z.unknown());

export function parseJson<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`store: ${where} holds invalid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`store: ${where} has an unexpected shape: ${parsed.error.message}`);
  return parsed.data;
}

export const parseNullable = <T>(schema: z.ZodType<T>, text: string | null, where: string): T | null =>
  text === null ? null : parseJson(schema, text, where);

/** undefined and null are both stored as SQL NULL. */
export const toJsonOrNull = (value: unknown): string | null => (value == null ? null : JSON.stringify(value));
