/**
 * What a run records about where it came from (package versions, command line) and the checks
 * a resume makes that its inputs are still the ones it started with.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError } from '../util/errors.ts';
import { parseSpaceDef, spaceFromDef, type LoadedSpace } from '../space/load.ts';
import { readJsonInput } from '../util/json-input.ts';
import type { SpaceDef } from '../space/schema.ts';
import type { Run } from '../store/store.ts';
import type { RunConfig } from './config.ts';

const require = createRequire(import.meta.url);
const PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'better-sqlite3', 'piscina', 'zod'];

export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  versions.cellscape = own.version;
  for (const name of PACKAGES) {
    try {
      versions[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      versions[name] = 'absent';
    }
  }
  return versions;
}

export function fileSha256(path: string, what: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (err) {
    throw new UsageError(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The backend a new run trains on, chosen once here so that every worker uses it and the run records it. */
export async function chooseBackend(flag: string | undefined): Promise<string> {
  const { initBackend } = await import('../backend/index.ts');
  try {
    return (await initBackend({ backend: flag })).name;
  } catch (err) {
    throw new UsageError(`--backend: ${(err as Error).message}`);
  }
}

export function readSpace(path: string): { def: SpaceDef; space: LoadedSpace } {
  const def = parseSpaceDef(readJsonInput(path, 'a space definition'), path);
  return { def, space: spaceFromDef(def) };
}

/**
 * The space and table of a run to resume, refusing when either file changed since the run
 * started: the stored candidates would then mean something else.
 */
export function checkInputs(run: Run, config: RunConfig): LoadedSpace {
  const now = readSpace(config.spacePath);
  if (now.space.hash !== run.spaceHash) {
    throw new UsageError(`run ${run.id}: the space ${config.spacePath} changed since the run started ` +
      `(hash ${run.spaceHash.slice(0, 12)} then, ${now.space.hash.slice(0, 12)} now); restore it, or start a new run`);
  }
  if (config.evaluator.kind === 'table') {
    const hash = fileSha256(config.evaluator.path, 'table');
    if (hash !== config.evaluator.sha256) {
      throw new UsageError(`run ${run.id}: the table ${config.evaluator.path} changed since the run started; restore it, or start a new run`);
    }
  }
  if (config.evaluator.kind === 'oneshot' && fileSha256(config.evaluator.checkpoint, 'supernet checkpoint') !== config.evaluator.sha256) {
    throw new UsageError(`run ${run.id}: the supernet checkpoint ${config.evaluator.checkpoint} changed since the run started; restore it, or start a new run`);
  }
  return now.space;
}
