/**
 * Turns validation failures into messages that name the file and the JSON path of the bad field,
 * e.g. `space-defs/x.json: $.cell.ops[3]: expected one of none, skip_connect, ...`.
 */
import type { z } from 'zod';
import { UsageError } from '../util/errors.ts';

export type PathSegment = string | number;

/** `$.cell.ops[3]` from ['cell', 'ops', 3]. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => typeof p === 'number' ? `[${p}]`
    : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** One line per issue: `SOURCE: $.path: what was expected`. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${source}: ${jsonPath(i.path)}: ${describeIssue(i)}`).join('\n');
}

/** An error at one field of a file or value given by the user. */
export function fieldError(source: string, path: readonly PathSegment[], message: string): UsageError {
  return new UsageError(`${source}: ${jsonPath(path)}: ${message}`);
}
