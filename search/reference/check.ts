/**
 * A search's own check of its evaluator: K of its candidates (its front, then seeded random
 * others) evaluated again at a higher budget, and how well the search's scores rank them against
 * those; stored as a 'fidelity-check' event of the search run, beside its front.
 */
import type { Store } from '../store/store.ts';
import type { Genotype } from '../space/types.ts';
import { runConfigSchema, type RunConfig } from '../run/config.ts';
import { readSpace } from '../run/record.ts';
import { frontOf } from '../run/report.ts';
import { createRng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { runQuality } from '../contracts/metrics.ts';
import { evaluateList } from './evaluate-list.ts';
import { fidelityOf, formatFidelity, type Fidelity } from './fidelity.ts';

export interface CheckOptions {
  /** Candidates to evaluate again. */
  k: number;
  /** The higher budget, as the run's proxy budget with these fields changed. */
  budget: Partial<RunConfig['proxy']>;
  workers: number;
  seed: number;
  backend: string;
  commandLine: string;
  log: (line: string) => void;
}

/** The front first (best accuracy first), then others drawn by `seed`, k in all. */
export function checkedCandidates<C extends { id: number }>(front: readonly C[], done: readonly C[], k: number, seed: number): C[] {
  const chosen = front.slice(0, k);
  const inFront = new Set(chosen.map((c) => c.id));
  const rest = done.filter((c) => !inFront.has(c.id));
  const rng = createRng(seed);
  while (chosen.length < k && rest.length > 0) chosen.push(rest.splice(rng.int(rest.length), 1)[0]);
  return chosen;
}

export async function checkFidelity(store: Store, runId: number, o: CheckOptions): Promise<{ code: number; result: Fidelity | null }> {
  const run = store.getRun(runId);
  if (!run) throw new UsageError(`no run ${runId} in ${store.path}`);
  const parsed = runConfigSchema.safeParse(run.config);
  if (!parsed.success || run.task !== 'classification') throw new UsageError(`run ${runId}: a fidelity check needs a classification search run`);
  const config = parsed.data;
  const { def, space } = readSpace(config.spacePath);
  if (space.hash !== run.spaceHash) throw new UsageError(`run ${runId}: its space ${config.spacePath} changed since the run`);
  const done = store.listCandidates(runId, { status: 'done' });
  const chosen = checkedCandidates(frontOf(done, config.objectives), done, o.k, o.seed);
  if (chosen.length < 2) throw new UsageError(`run ${runId}: ${done.length} finished candidates; a check needs at least 2`);
  const checkConfig = runConfigSchema.parse({
    ...config, strategy: 'list', evaluator: { kind: 'proxy' }, latency: { runtime: 'none', warmup: 0, repeats: 1 },
    proxy: { ...config.proxy, ...o.budget }, workers: o.workers, inFlight: Math.max(2, o.workers), budget: chosen.length,
  });
  const { code, runId: checkRun, results } = await evaluateList(store, {
    name: `fidelity check of run ${runId}`, def, space, dataset: run.dataset, backend: o.backend, seed: run.seed, config: checkConfig, commandLine: o.commandLine,
  }, chosen.map((c) => c.genotype as Genotype), o.log);
  if (code !== 0) return { code, result: null };
  const result = fidelityOf(new Map([...results].map(([k, v]) => [k, v.score])), chosen.map((c) => ({ key: c.key, score: c.metrics[runQuality(run.task, config.evaluator)]!, seconds: c.metrics.train_seconds ?? NaN })));
  const p = checkConfig.proxy;
  const message = `the search's evaluator against ${p.epochs} epochs x ${p.trainImages} images on ${result.n} candidates (front ${Math.min(o.k, frontOf(done, config.objectives).length)}): ${formatFidelity(result)}`;
  store.addEvent(runId, { level: 'info', kind: 'fidelity-check', message, data: { ...result, checkRun, budget: p, candidates: chosen.map((c) => c.id) } });
  o.log(message);
  return { code, result };
}
