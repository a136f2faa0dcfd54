/**
 * What every ask/tell strategy keeps: the keys it has proposed (so that it never proposes an
 * architecture twice), the proposals still awaiting a result, and its generator; and how it
 * starts, asks and settles with them.
 */
import { z } from 'zod';
import type { Genotype, Space } from '../space/types.ts';
import type { Metrics } from '../objectives/metrics.ts';
import { createRng, type Rng } from '../util/rng.ts';
import { isFailure, type Proposal, type Result } from './types.ts';

/** Draws per proposal before concluding that the neighbourhood (or space) holds nothing new. */
export const DEFAULT_RETRIES = 32;

export const proposalSchema = z.object({
  genotype: z.unknown(),
  key: z.string(),
  parentKey: z.string().optional(),
  generation: z.int().min(0),
});

/** A member's metric values under the registry's names (unmeasured ones absent). */
export const metricsSchema = z.record(z.string(), z.number()) as unknown as z.ZodType<Metrics>;

export const ledgerStateSchema = z.object({
  seen: z.array(z.string()),
  pending: z.array(proposalSchema),
});
export type LedgerState = z.infer<typeof ledgerStateSchema>;

export const rngStateSchema = z.tuple([z.int(), z.int(), z.int(), z.int()]);

/** An evaluated architecture as strategies remember it. */
export interface Member<G extends Genotype = Genotype> {
  key: string;
  genotype: G;
  generation: number;
  metrics: Metrics;
}

export const memberSchema = z.object({
  key: z.string(),
  genotype: z.unknown(),
  generation: z.int().min(0),
  metrics: metricsSchema,
});

export function restoreMember<G extends Genotype>(space: Space<G>, m: z.infer<typeof memberSchema>): Member<G> {
  return { ...m, genotype: space.validate(m.genotype) };
}

export function createLedger<G extends Genotype>(space: Space<G>, saved?: LedgerState) {
  const seen = new Set(saved?.seen ?? []);
  const pending = new Map<string, Proposal<G>>();
  for (const p of saved?.pending ?? []) pending.set(p.key, { ...p, genotype: space.validate(p.genotype) });

  return {
    /**
     * A proposal from the first draw whose key is new, or undefined after `retries` draws that
     * all repeat a known architecture.
     */
    propose(draw: () => G, meta: { parentKey?: string; generation: number }, retries = DEFAULT_RETRIES): Proposal<G> | undefined {
      for (let t = 0; t < retries; t++) {
        const genotype = draw();
        const key = space.key(genotype);
        if (seen.has(key)) continue;
        seen.add(key);
        const proposal: Proposal<G> = { genotype, key, generation: meta.generation };
        if (meta.parentKey !== undefined) proposal.parentKey = meta.parentKey;
        pending.set(key, proposal);
        return proposal;
      }
      return undefined;
    },
    /** The proposal a result answers; it is no longer pending. */
    settle(result: Result): Proposal<G> {
      const p = pending.get(result.key);
      if (!p) throw new Error(`result for '${result.key}', which is not an open proposal of this strategy`);
      pending.delete(result.key);
      return p;
    },
    /** Whether `key` was ever proposed (a strategy choosing among drafts skips those). */
    known(key: string): boolean {
      return seen.has(key);
    },
    get pendingCount(): number {
      return pending.size;
    },
    state(): LedgerState {
      return { seen: [...seen], pending: [...pending.values()] };
    },
  };
}

export type Ledger<G extends Genotype> = ReturnType<typeof createLedger<G>>;

/** The state every strategy saves; a strategy's own schema extends it. */
export interface SavedBookkeeping { rng: z.infer<typeof rngStateSchema>; ledger: LedgerState }

/**
 * A strategy's saved state checked against its schema (none when starting from a seed), and
 * the generator and ledger it continues with.
 */
export function startStrategy<G extends Genotype, S extends SavedBookkeeping>(
  space: Space<G>,
  stateSchema: z.ZodType<S>,
  start: { seed: number } | { state: unknown },
): { saved: S | undefined; rng: Rng; ledger: Ledger<G> } {
  const saved = 'state' in start ? stateSchema.parse(start.state) : undefined;
  return { saved, rng: createRng(saved ? saved.rng : (start as { seed: number }).seed), ledger: createLedger(space, saved?.ledger) };
}

/** Up to n proposals from `next`, stopping at the first it cannot make (nothing unseen within its retries). */
export function askUpTo<G extends Genotype>(n: number, next: () => Proposal<G> | undefined): Proposal<G>[] {
  const out: Proposal<G>[] = [];
  for (let i = 0; i < n; i++) {
    const p = next();
    if (!p) break;
    out.push(p);
  }
  return out;
}

/** Closes the proposals `results` answer, in order; each successful one is handed to `keep` as a member. */
export function settleAll<G extends Genotype>(ledger: Ledger<G>, results: readonly Result[], keep: (m: Member<G>) => void): void {
  for (const r of results) {
    const p = ledger.settle(r);
    if (!isFailure(r)) keep({ key: p.key, genotype: p.genotype, generation: p.generation, metrics: r.metrics });
  }
}
