/**
 * Where the architectures of a list run come from: uniform samples of the space (seeded), a
 * file of genotypes (a JSON array, or a table written by cellscape table/reference), or the
 * Pareto front of a stored run. Genotypes are checked against the space by the list strategy.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import { readJsonInput } from '../util/json-input.ts';
import { createRng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import type { Store } from '../store/store.ts';
import { runConfigSchema } from '../run/config.ts';
import { frontOf } from '../run/report.ts';
import { readRows } from './rows.ts';

/** `n` architectures drawn uniformly, none twice (by key); fewer only when the space holds fewer. */
export function sampleGenotypes<G extends Genotype>(space: Space<G>, n: number, seed: number): G[] {
  const rng = createRng(seed);
  const keys = new Set<string>();
  const out: G[] = [];
  for (let draws = 0; out.length < n && draws < 32 * n; draws++) {
    const g = space.sample(rng);
    const key = space.key(g);
    if (!keys.has(key)) { keys.add(key); out.push(g); }
  }
  return out;
}

const genotypeFileSchema = z.array(z.union([z.strictObject({ genotype: z.unknown() }).transform((x) => x.genotype), z.unknown()]));

/**
 * Genotypes of a file: a table (.jsonl/.csv, its genotype column) or a JSON array of genotypes or of
 * {genotype} objects. Every error about the file (missing, unreadable, not JSON, a bad row) begins
 * `FLAG PATH`, as other file flags' do: the readers below name the path, not where it came from.
 */
export function genotypesOfFile(path: string, flag: string): unknown[] {
  try {
    if (/\.(jsonl|ndjson|csv)$/i.test(path)) return readRows(path).map((r) => r.genotype);
    const parsed = genotypeFileSchema.safeParse(readJsonInput(path, 'a JSON array of genotypes'));
    if (!parsed.success) throw new UsageError(`${path}: expected a JSON array of genotypes`);
    return parsed.data;
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(`${flag} ${err.message}`) : err;
  }
}

/** The Pareto front of a run on its own objectives, best accuracy first. */
export function frontGenotypes(store: Store, runId: number): unknown[] {
  const run = store.getRun(runId);
  if (!run) throw new UsageError(`--front-of ${runId}: no such run in ${store.path}`);
  const config = runConfigSchema.safeParse(run.config);
  if (!config.success) throw new UsageError(`--front-of ${runId}: not a search run (DARTS runs have no front)`);
  return frontOf(store.listCandidates(runId, { status: 'done' }), config.data.objectives).map((c) => c.genotype);
}
