/**
 * Reads a genotype the user names on the command line: a file (a DARTS-notation JSON genotype,
 * an exported JSON with a `genotype` field, a Python repr, or an NAS-Bench-201 string), a
 * published genotype's name (DARTS_V2, ...), a reference architecture's name (pspnet-like, ...,
 * in its own space) or an NAS-Bench-201 string.
 */
import { existsSync } from 'node:fs';
import { parseJsonInput } from '../util/json-input.ts';
import { readInputFile } from '../util/files.ts';
import { UsageError } from '../util/errors.ts';
import type { SpaceFamily } from './types.ts';
import { NAMED_GENOTYPES, namedGenotype } from './named.ts';
import { REFERENCE_ARCHITECTURES, referencesOf } from './references.ts';
import { parsePythonGenotype } from './python-repr.ts';
import { parseNb201 } from './tabular-cell.ts';

export interface GenotypeInput {
  /** Not yet checked against a space: Space.validate does that. */
  genotype: unknown;
  family: SpaceFamily;
  /** Where it came from, for error messages (a file path, `DARTS_V2`, `argument`). */
  source: string;
  /** A space named by an exported genotype file, if any. */
  space?: string;
}

/** The family a JSON genotype belongs to, told by its fields. */
export function familyOf(genotype: unknown, source: string): SpaceFamily {
  if (genotype && typeof genotype === 'object') {
    if ('normal' in genotype) return 'cell';
    if ('nodes' in genotype) return 'tabular-cell';
    if ('stages' in genotype) return 'block';
  }
  throw new UsageError(`${source}: not a genotype (expected fields normal/reduce, nodes or stages)`);
}

export function parseGenotypeText(text: string, source: string): GenotypeInput {
  const trimmed = text.trim();
  if (trimmed.startsWith('|')) return { genotype: parseNb201(trimmed, source), family: 'tabular-cell', source };
  if (trimmed.startsWith('{')) {
    const json = parseJsonInput(trimmed, source);
    const wrapper = json as { genotype?: unknown; space?: unknown };
    if (wrapper && typeof wrapper === 'object' && 'genotype' in wrapper) {
      const inner = typeof wrapper.genotype === 'string' ? parseGenotypeText(wrapper.genotype, `${source}: $.genotype`) : undefined;
      const spaceName = typeof wrapper.space === 'string' ? wrapper.space
        : (wrapper.space as { name?: unknown } | undefined)?.name;
      const space = typeof spaceName === 'string' ? spaceName : undefined;
      if (inner) return { ...inner, source, space };
      return { genotype: wrapper.genotype, family: familyOf(wrapper.genotype, `${source}: $.genotype`), source, space };
    }
    return { genotype: json, family: familyOf(json, source), source };
  }
  return { genotype: parsePythonGenotype(trimmed, source), family: 'cell', source };
}

export function readGenotypeArg(arg: string): GenotypeInput {
  if (existsSync(arg)) return parseGenotypeText(readInputFile(arg, 'a genotype'), arg);
  const named = namedGenotype(arg);
  if (named) return { genotype: named, family: 'cell', source: arg };
  const ref = REFERENCE_ARCHITECTURES.find((r) => r.name === arg);
  if (ref) {
    const { genotype, space } = referencesOf(ref.space).find((r) => r.name === arg)!;
    return { genotype, family: familyOf(genotype, arg), source: arg, space };
  }
  if (arg.trim().startsWith('|') || arg.trim().startsWith('{') || arg.includes('Genotype(')) return parseGenotypeText(arg, 'argument');
  throw new UsageError(`'${arg}' is not a file, a known genotype (${[...Object.keys(NAMED_GENOTYPES), ...REFERENCE_ARCHITECTURES.map((r) => r.name)].join(', ')}) nor an NAS-Bench-201 string`);
}
