/**
 * A search's own check of its evaluator: K of its candidates (its front, then seeded random
 * others) evaluated again at a higher budget, and how well the search's scores rank them against
 * those; stored as a 'fidelity-check' event of the search run, beside its front.
 */
import type { Candidate, Store } from '../store/store.ts';
import type { Genotype } from '../space/types.ts';
import { runConfigSchema, type RunConfig } from '../run/config.ts';
import { readSpace } from '../run/record.ts';
import { frontOf } from '../run/report.ts';
import { createRng } from '../util/rng.ts';
import { UsageError } from '../util/errors.ts';
import { runQuality, type MetricName } from '../contracts/metrics.ts';
import { LOW_FIDELITY, LOW_FIDELITY_TEXT, type FidelityCheckData } from '../contracts/fidelity.ts';
import { defaultCheckBudget, type CheckBudget } from './budget.ts';
import { evaluateList, type Evaluated } from './evaluate-list.ts';
import { fidelityOf, fidelityTable, formatFidelity, type Fidelity } from './fidelity.ts';

export interface CheckOptions {
  /** Candidates to evaluate again. */
  k: number;
  /** The higher budget; what is not given is defaultCheckBudget of the run's proxy. */
  budget: Partial<CheckBudget>;
  workers: number;
  seed: number;
  backend: string;
  commandLine: string;
  log: (line: string) => void;
  /** Continue the check's run even if its last heartbeat is recent (its process was killed: resume --force). */
  force?: boolean;
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

/** The lines that close a check: its figures as a table, and a warning when they say the search's ranking is not to be trusted. */
function checkVerdict(f: Fidelity): string[] {
  const lines = [fidelityTable(f)];
  if (Number.isNaN(f.spearman)) lines.push('warning: no rank correlation: one side scores every checked candidate alike');
  else if (f.spearman < LOW_FIDELITY) lines.push(`warning: Spearman ${f.spearman.toFixed(3)} < ${LOW_FIDELITY}: ${LOW_FIDELITY_TEXT}; rank by a larger budget (--epochs, --train-images)`);
  else if (!(f.spearmanLo > 0)) lines.push(`warning: its 90 % interval reaches ${f.spearmanLo.toFixed(3)}: ${f.n} candidates cannot tell this ranking from chance; check more of them`);
  return lines;
}

/**
 * The figure a check stores: the search's scores of the chosen candidates (the first `front` of
 * them on its front) ranked against what the higher budget measured, with the pairs themselves.
 */
export function checkData(chosen: readonly Candidate[], front: number, quality: MetricName, results: ReadonlyMap<string, Evaluated>, checkRun: number, budget: RunConfig['proxy']):
  { result: Fidelity; data: FidelityCheckData } {
  const result = fidelityOf(new Map([...results].map(([k, v]) => [k, v.score])), chosen.map((c) => ({ key: c.key, score: c.metrics[quality]!, seconds: c.metrics.train_seconds ?? NaN })));
  const checked = chosen.filter((c) => results.has(c.key));
  const data: FidelityCheckData = {
    ...result, checkRun, budget, candidates: chosen.map((c) => c.id), front,
    pairs: checked.map((c) => ({ id: c.id, score: c.metrics[quality]!, check: results.get(c.key)!.score })),
    checkSecondsPerCandidate: checked.reduce((s, c) => s + results.get(c.key)!.seconds, 0) / checked.length,
  };
  return { result, data };
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
  const front = frontOf(done, config.objectives);
  const chosen = checkedCandidates(front, done, o.k, o.seed);
  if (chosen.length < 2) throw new UsageError(`run ${runId}: ${done.length} finished candidates; a check needs at least 2`);
  const given = Object.fromEntries(Object.entries(o.budget).filter(([, v]) => v !== undefined));
  const budget: CheckBudget = { ...defaultCheckBudget(config.proxy), ...given };
  const checkConfig = runConfigSchema.parse({
    ...config, strategy: 'list', evaluator: { kind: 'proxy' }, latency: { runtime: 'none', warmup: 0, repeats: 1 },
    proxy: { ...config.proxy, ...budget }, workers: o.workers, inFlight: Math.max(2, o.workers), budget: chosen.length,
  });
  const inFront = Math.min(chosen.length, front.length);
  o.log(`fidelity check of run ${runId}: ${chosen.length} candidates (front ${inFront}) trained again at ${budget.epochs} epochs x ${budget.trainImages} images, scored on ${budget.valImages} validation images`);
  const { code, runId: checkRun, results } = await evaluateList(store, {
    name: `fidelity check of run ${runId}`, def, space, dataset: run.dataset, backend: o.backend, seed: run.seed, config: checkConfig, commandLine: o.commandLine,
  }, chosen.map((c) => c.genotype as Genotype), o.log, { force: o.force });
  if (code !== 0) return { code, result: null };
  const { result, data } = checkData(chosen, inFront, runQuality(run.task, config.evaluator), results, checkRun!, checkConfig.proxy);
  const p = checkConfig.proxy;
  const message = `the search's evaluator against ${p.epochs} epochs x ${p.trainImages} images on ${result.n} candidates (front ${inFront}): ${formatFidelity(result)}; ` +
    `the higher budget took ${data.checkSecondsPerCandidate!.toFixed(1)} s a candidate`;
  store.addEvent(runId, { level: Number.isFinite(result.spearman) && result.spearman >= LOW_FIDELITY ? 'info' : 'warn', kind: 'fidelity-check', message, data });
  o.log(message);
  for (const line of checkVerdict(result)) o.log(line);
  return { code, result };
}
