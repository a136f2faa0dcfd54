/**
 * A nesting limit for JSON that comes from outside: JSON.parse takes any depth, but the code that
 * walks a genotype or a definition afterwards recurses, and a deep enough file would end in a
 * stack overflow instead of an error naming it.
 */
import { UsageError } from './errors.ts';

/** Deeper than any genotype, space definition or table this program reads. */
export const MAX_DEPTH = 64;

/** Throws a usage error naming `source` when `value` nests arrays or objects deeper than `max`. */
export function checkDepth(value: unknown, source: string, max = MAX_DEPTH): void {
  // Iterative, so that the check itself cannot overflow.
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth >= max) throw new UsageError(`${source}: nested deeper than ${max} levels`);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}
