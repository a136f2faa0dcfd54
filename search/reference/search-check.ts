/**
 * `cellscape search --check-fidelity K`: asked when the run starts (an event, so that `resume`
 * knows of it whatever the run's driver), made when the search finishes, and finished by
 * `resume` when the process stopped during it: the check's evaluations are a list run, continued
 * where it stopped. A check is pending while no 'fidelity-check' event follows the ask.
 */
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import { defaultWorkers } from '../executor/pool.ts';
import { runConfigSchema } from '../run/config.ts';
import { defaultCheckBudget, REFERENCE_BUDGET } from './budget.ts';
import { checkFidelity } from './check.ts';

const int = (min: number) => z.coerce.number().int().min(min);

export const checkFlagsSchema = z.strictObject({
  'check-fidelity': int(2).optional(),
  'check-epochs': int(1).optional(),
  'check-train-images': int(10).optional(),
  'check-val-images': int(10).optional(),
});
export type CheckFlags = z.output<typeof checkFlagsSchema>;

export const CHECK_HELP = `  --check-fidelity K       at the end, train K candidates (the front, then random ones) again at a
                           higher budget and report how well the search's evaluator ranked them
      --check-epochs E --check-train-images N --check-val-images N   that budget (default ${REFERENCE_BUDGET.epochs} epochs x
      ${REFERENCE_BUDGET.trainImages} images, the reference tables', or 5x --epochs when that is more; at least ${REFERENCE_BUDGET.testImages} validation images)`;

const askedSchema = z.strictObject({
  k: z.int().min(2),
  budget: z.strictObject({ epochs: z.int().min(1), trainImages: z.int().min(1), valImages: z.int().min(1) }),
});
type Asked = z.infer<typeof askedSchema>;

const ASKED = 'fidelity-check-asked';

/** Why a run's config cannot be checked (a sentence), or null. */
export function uncheckable(strategy: string, config: unknown, task: string): string | null {
  const c = runConfigSchema.safeParse(config);
  if (!c.success) return `a ${strategy} search trains a supernet, not a population of evaluated candidates: nothing to rank (measure an evaluator with cellscape fidelity --table FILE)`;
  if (task !== 'classification') return `checks rank classification accuracy; a ${task} search is not checked`;
  if (c.data.evaluator.kind === 'table') return 'a table evaluator looks results up; there is no longer training to compare them with';
  return null;
}

/** Records that the run's search is to end with a check, at the budget the flags and the run's proxy give. */
export function askCheck(store: Store, runId: number, flags: CheckFlags & { 'check-fidelity': number }): Asked {
  const proxy = runConfigSchema.parse(store.getRun(runId)!.config).proxy;
  const d = defaultCheckBudget(proxy);
  const asked: Asked = {
    k: flags['check-fidelity'],
    budget: { epochs: flags['check-epochs'] ?? d.epochs, trainImages: flags['check-train-images'] ?? d.trainImages, valImages: flags['check-val-images'] ?? d.valImages },
  };
  store.addEvent(runId, { level: 'info', kind: ASKED, message: `asked: a fidelity check of ${asked.k} candidates at ${asked.budget.epochs} epochs x ${asked.budget.trainImages} images when the search ends`, data: asked });
  return asked;
}

/** The run's asked check that has not been made yet, or null. */
export function pendingCheck(store: Store, runId: number): Asked | null {
  const ask = store.listEventsOfKind(ASKED, runId).at(-1);
  if (!ask || store.listEventsOfKind('fidelity-check', runId).some((e) => e.id > ask.id)) return null;
  return askedSchema.parse(ask.data);
}

/** Makes the run's pending check (continuing its evaluations if they were stopped); the exit code. */
export async function finishCheck(store: Store, runId: number, o: { workers?: number; commandLine: string; force?: boolean; log: (line: string) => void }): Promise<number> {
  const asked = pendingCheck(store, runId);
  if (!asked) return 0;
  const run = store.getRun(runId)!;
  const workers = o.workers ?? Math.min(runConfigSchema.parse(run.config).workers, defaultWorkers());
  const { code } = await checkFidelity(store, runId, { ...o, k: asked.k, budget: asked.budget, seed: run.seed, backend: run.backend, workers });
  if (code === 130) o.log(`the fidelity check stopped; cellscape resume ${runId}${store.path === 'runs.db' ? '' : ` --db ${store.path}`} finishes it`);
  return code;
}
