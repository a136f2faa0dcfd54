/**
 * Pre-screening (zero-cost NAS's "pruning by proxy"): to make n proposals, the inner strategy
 * proposes n / keep, each is scored untrained by one proxy or a vote of several, and only the n
 * best go on to be evaluated. The others are told back to the inner strategy as failures, so its
 * ledger never proposes them again and its population never holds them. The scorer is given: the
 * run layer builds the networks, a test or benchmark may score from a table.
 *
 * Every proposal is screened, the first random samples included: with the same training budget
 * the population then starts from the proxy's best guesses too. Deterministic for a seed: the
 * inner strategy's draws and the scores (of networks initialised from the run's seed) repeat.
 */
import { ranks } from '../util/rank.ts';
import type { Genotype } from '../space/types.ts';
import type { Proposal, Strategy } from './types.ts';

export interface PrescreenOptions<G extends Genotype> {
  /** Share of the proposals kept, in (0, 1]. */
  keep: number;
  /** The proxies' scores of each proposal (one array per proposal, one score per proxy; higher better; NaN: undefined). */
  score(proposals: readonly Proposal<G>[]): number[][];
  /** Names the screen in the reason rejected proposals are told with. */
  label: string;
}

/**
 * The vote of the proxies for each row: the mean of its ranks under every proxy (1 the worst;
 * ties share their mean rank), an undefined score ranking below every defined one. One proxy's
 * vote orders as its scores do.
 */
export function voteScores(scores: readonly (readonly number[])[]): number[] {
  if (scores.length === 0) return [];
  const proxies = scores[0].length;
  const total = new Array<number>(scores.length).fill(0);
  for (let p = 0; p < proxies; p++) {
    const r = ranks(scores.map((row) => (Number.isNaN(row[p]) ? -Infinity : row[p])));
    r.forEach((x, i) => { total[i] += x / proxies; });
  }
  return total;
}

/** Indices of the n rows the vote puts first, in their original order; ties go to the earlier row. */
export function screen(scores: readonly (readonly number[])[], n: number): number[] {
  const vote = voteScores(scores);
  return vote.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, n).map(([, i]) => i).sort((a, b) => a - b);
}

/** How many proposals to draw so that keeping the share `keep` leaves n. */
export const drawsFor = (n: number, keep: number): number => Math.ceil(n / keep - 1e-9);

export function withPrescreen<G extends Genotype>(inner: Strategy<G>, o: PrescreenOptions<G>): Strategy<G> {
  if (!(o.keep > 0 && o.keep <= 1)) throw new Error(`pre-screen: keep must be in (0, 1], got ${o.keep}`);
  return {
    kind: inner.kind,
    ask(n) {
      const drawn = inner.ask(drawsFor(n, o.keep));
      if (drawn.length <= n) return drawn;
      const kept = new Set(screen(o.score(drawn), n));
      inner.tell(drawn.filter((_, i) => !kept.has(i)).map((p) => ({ key: p.key, error: `screened out by ${o.label}` })));
      return drawn.filter((_, i) => kept.has(i));
    },
    tell: (results) => inner.tell(results),
    state: () => inner.state(),
  };
}
