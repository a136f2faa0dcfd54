/**
 * Evaluates a list of architectures in list runs of one name and measurement: architectures an
 * earlier such run evaluated (done or failed) are not evaluated again, an unfinished one is
 * continued, and the results of all of them are answered by architecture key.
 */
import { runQuality } from '../contracts/metrics.ts';
import type { Store } from '../store/store.ts';
import type { Genotype, Space } from '../space/types.ts';
import { runSession } from '../run/session.ts';
import { driverOf } from '../run/registry.ts';
import { measuredRuns, openListRun, type ListRunSpec } from './list-run.ts';

/** The score the run's evaluator gives (its quality: accuracy, or a zero-cost proxy's score) and its seconds. */
export interface Evaluated { score: number; seconds: number }

export async function evaluateList(store: Store, spec: ListRunSpec, genotypes: readonly Genotype[], log: (line: string) => void, o: { force?: boolean } = {}):
  Promise<{ code: number; runId: number | null; results: Map<string, Evaluated> }> {
  const space = spec.space as unknown as Space<Genotype>;
  const before = new Set(measuredRuns(store, spec).flatMap((r) => store.listCandidates(r.id).filter((c) => c.status === 'done' || c.status === 'failed').map((c) => c.key)));
  const todo = genotypes.filter((g) => !before.has(space.key(g)));
  let code = 0;
  if (todo.length > 0) {
    const { run, resumed } = openListRun(store, { ...spec, config: { ...spec.config, genotypes: todo, budget: todo.length } }, o);
    log(`run ${run.id} in ${store.path}${resumed ? ' (continued)' : ''}: ${todo.length} of ${genotypes.length} architectures to evaluate`);
    code = await runSession({ store, runId: run.id, driver: await driverOf('list'), space, workers: spec.config.workers });
  }
  const runs = measuredRuns(store, spec);
  const results = new Map<string, Evaluated>();
  const quality = runQuality(spec.def.task, spec.config.evaluator);
  for (const c of runs.flatMap((r) => store.listCandidates(r.id, { status: 'done' }))) {
    if (!results.has(c.key)) results.set(c.key, { score: c.metrics[quality]!, seconds: c.metrics.train_seconds ?? NaN });
  }
  return { code, runId: runs.at(-1)?.id ?? null, results };
}
