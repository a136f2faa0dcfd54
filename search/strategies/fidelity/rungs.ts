/**
 * Rungs of a multi-fidelity search: how much training each rung's evaluation gets. The run's
 * proxy budget is the top rung (the budget R every surviving candidate ends at); rung k of K gets
 * R / eta^(K-1-k) of one resource (epochs, or training images), so rung 0 is the minimum budget
 * r = R / eta^(K-1) and each rung eta times the one below. Hyperband's brackets (Li et al. 2018)
 * start candidates at different rungs: bracket b's candidates enter at rung b.
 */
import { z } from 'zod';
import type { ProxyBudget } from '../../contracts/budget.ts';

export const fidelitySchema = z.strictObject({
  /** asha: one bracket, every candidate enters at rung 0; hyperband: one bracket per rung. */
  kind: z.enum(['asha', 'hyperband']),
  /** Reduction factor: the top 1/eta of a rung is promoted, each rung gets eta times the budget below. */
  eta: z.int().min(2),
  /** Rungs, the top one being the run's proxy budget. */
  rungs: z.int().min(2),
  /** What grows from rung to rung. */
  resource: z.enum(['epochs', 'images']),
});
export type Fidelity = z.infer<typeof fidelitySchema>;

/** The budget of every rung, bottom first; throws (with what to change) when two rungs would get the same. */
export function rungBudgets(top: ProxyBudget, f: Fidelity): ProxyBudget[] {
  const out: ProxyBudget[] = [];
  for (let k = 0; k < f.rungs; k++) {
    const scale = f.eta ** (f.rungs - 1 - k);
    out.push(f.resource === 'epochs'
      ? { ...top, epochs: Math.max(1, Math.round(top.epochs / scale)) }
      : { ...top, trainImages: Math.max(1, Math.round(top.trainImages / scale)) });
  }
  const amount = (b: ProxyBudget) => (f.resource === 'epochs' ? b.epochs : b.trainImages);
  for (let k = 1; k < out.length; k++) {
    if (amount(out[k]) <= amount(out[k - 1])) {
      const need = f.eta ** (f.rungs - 1);
      throw new Error(`${f.rungs} rungs at eta ${f.eta} over ${f.resource} need a top budget of at least ${need} ${f.resource} ` +
        `(rung budgets would be ${out.map(amount).join(', ')})`);
    }
  }
  return out;
}

/** Brackets of the fidelity: one for ASHA; for Hyperband one per rung, bracket b entering at rung b. */
export const bracketCount = (f: Fidelity): number => (f.kind === 'asha' ? 1 : f.rungs);

/**
 * The bracket of the index-th candidate (0-based, in proposal order). Hyperband gives bracket b
 * (s = K-1-b halvings left) n_s = ceil(K/(s+1) * eta^s) candidates per round, so that every
 * bracket spends about the same budget; candidates are dealt to brackets in those proportions by
 * smooth weighted round robin, a fixed sequence, so a resumed run deals the same brackets.
 */
export function bracketOf(index: number, f: Fidelity): number {
  const n = bracketCount(f);
  if (n === 1) return 0;
  const weights = Array.from({ length: n }, (_, b) => {
    const s = f.rungs - 1 - b;
    return Math.ceil((f.rungs / (s + 1)) * f.eta ** s);
  });
  const total = weights.reduce((a, w) => a + w, 0);
  const current = new Array<number>(n).fill(0);
  let chosen = 0;
  for (let i = 0; i <= index % total; i++) {
    for (let b = 0; b < n; b++) current[b] += weights[b];
    chosen = current.indexOf(Math.max(...current));
    current[chosen] -= total;
  }
  return chosen;
}
