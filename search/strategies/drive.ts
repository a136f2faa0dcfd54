/**
 * The simplest search loop: ask a batch, evaluate it in-process, tell, until the budget is
 * spent or the strategy has nothing new. An evaluation that throws becomes a failed result. For evaluators that answer at once (tabular
 * benchmarks); training runs go through the executor instead.
 */
import type { Genotype } from '../space/types.ts';
import type { Metrics } from '../objectives/metrics.ts';
import { UsageError } from '../util/errors.ts';
import type { Proposal, Result, Strategy } from './types.ts';

export interface Evaluated<G extends Genotype> {
  proposal: Proposal<G>;
  result: Result;
}

export function driveSearch<G extends Genotype>(
  strategy: Strategy<G>,
  evaluate: (g: G) => Metrics,
  o: { budget: number; batch?: number },
): Evaluated<G>[] {
  const history: Evaluated<G>[] = [];
  while (history.length < o.budget) {
    const proposals = strategy.ask(Math.min(o.batch ?? 1, o.budget - history.length));
    if (proposals.length === 0) break;
    const results: Result[] = proposals.map((p) => {
      try {
        return { key: p.key, metrics: evaluate(p.genotype) };
      } catch (err) {
        // A mistake in what the user gave (e.g. a table lacking the space's cells) stops the search.
        if (err instanceof UsageError) throw err;
        return { key: p.key, error: (err as Error).message };
      }
    });
    strategy.tell(results);
    proposals.forEach((proposal, i) => history.push({ proposal, result: results[i] }));
  }
  return history;
}
