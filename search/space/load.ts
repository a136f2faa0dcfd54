/**
 * Reads space definitions (space-defs/*.json) into Spaces. Errors name the file and the JSON path
 * of the bad field.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readJsonInput } from '../util/json-input.ts';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../util/errors.ts';
import { formatIssues } from './issues.ts';
import { SpaceDefSchema, type SpaceDef } from './schema.ts';
import { createCellSpace, type CellSpace } from './cell.ts';
import { createTabularCellSpace, type TabularCellSpace } from './tabular-cell.ts';
import { createBlockSpace, type BlockSpace } from './block.ts';
import { withSegmentation } from './segmentation.ts';
import { withResolution } from './resolution.ts';

export type LoadedSpace = CellSpace | TabularCellSpace | BlockSpace;

/** The directory of the shipped space definitions and their JSON Schema. */
export const SPACE_DEFS_DIR = fileURLToPath(new URL('../../space-defs/', import.meta.url));

export function parseSpaceDef(json: unknown, source: string): SpaceDef {
  const parsed = SpaceDefSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(formatIssues(source, parsed.error.issues));
  return parsed.data;
}

/** JSON with keys sorted at every level, so that equal values print equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 of the definition with defaults filled in, leaving out what does not change the
 * genotypes or networks (name, description, $schema).
 */
export function spaceHash(def: SpaceDef): string {
  const { $schema: _s, name: _n, description: _d, ...rest } = def;
  return createHash('sha256').update(canonicalJson(withoutLaterDefaults(rest))).digest('hex');
}

/**
 * Segmentation fields added after spaces were first hashed, at the defaults that build the networks
 * of before. Left out of the hash so that a space that does not search them keeps its hash, and its
 * runs, tables and exports stay valid.
 */
const LATER_SEGMENTATION_DEFAULTS: Record<string, unknown> = { contextPath: ['resize'], outputStride: [32] };

function withoutLaterDefaults<T extends { segmentation?: object }>(def: T): T {
  if (!def.segmentation) return def;
  const seg = Object.fromEntries(Object.entries(def.segmentation).filter(([k, v]) =>
    !(k in LATER_SEGMENTATION_DEFAULTS) || canonicalJson(v) !== canonicalJson(LATER_SEGMENTATION_DEFAULTS[k])));
  return { ...def, segmentation: seg };
}

/** A Space from an already-parsed definition (e.g. one carried inside a job). */
export function spaceFromDef(def: SpaceDef): LoadedSpace {
  return withResolution(innerSpace(def), def);
}

function innerSpace(def: SpaceDef): LoadedSpace {
  const hash = spaceHash(def);
  switch (def.family) {
    case 'cell': return def.segmentation ? withSegmentation(createCellSpace(def, hash)) : createCellSpace(def, hash);
    case 'tabular-cell':
      if (def.segmentation) throw new UsageError(`space '${def.name}': tabular-cell spaces have no segmentation networks`);
      return createTabularCellSpace(def, hash);
    case 'block': return def.segmentation ? withSegmentation(createBlockSpace(def, hash)) : createBlockSpace(def, hash);
  }
}

export function readJsonFile(path: string): unknown {
  return readJsonInput(path, 'a JSON file');
}

export function loadSpace(path: string): LoadedSpace {
  return spaceFromDef(parseSpaceDef(readJsonInput(path, 'a space definition'), path));
}

/** The path of a definition given as a path or as the name of a shipped one (`darts-cifar10`). */
export function resolveSpacePath(pathOrName: string): string {
  if (existsSync(pathOrName)) return pathOrName;
  const shipped = `${SPACE_DEFS_DIR}${pathOrName.replace(/\.json$/, '')}.json`;
  if (/^[\w.-]+$/.test(pathOrName) && existsSync(shipped)) return shipped;
  throw new UsageError(`space '${pathOrName}': no such file, nor a shipped space in space-defs/`);
}
