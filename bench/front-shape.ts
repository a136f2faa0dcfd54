/**
 * Why a search's Pareto front has the size it has: for each run of a database, the spread of the
 * candidates' accuracy and costs (latency, its repeat-to-repeat spread, parameters, MACs), how
 * each cost correlates with accuracy (a front is long only where cost buys accuracy), and the
 * front's size on accuracy against each cost. Of the front on MACs, how many of its points are
 * trade-offs the proxy can tell apart: walking it from its cheapest member, a member counts when
 * its accuracy lies more than one standard error of a validation accuracy (binomial, at the run's
 * validation images and the front's median accuracy: about 1.4 points at 1,000 images) above the
 * last member counted. Every candidate is scored on the same images, so two networks' accuracies
 * differ by noise of about that size (networks of 75 % disagree on about a fifth of the images:
 * sqrt(0.2 / 1000) = 1.4 points); training noise comes on top, so the count is lenient.
 *
 *   node --import tsx bench/front-shape.ts DB [RUN...]
 */
import { z } from 'zod';
import { openStore } from '../search/store/store.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import { rankCorrelation } from '../search/util/rank.ts';
import type { Candidate } from '../search/store/store.ts';

const [db, ...runArgs] = process.argv.slice(2);
if (!db) {
  console.error('usage: bench/front-shape.ts DB [RUN...]');
  process.exit(2);
}
const COSTS = ['latency_ms', 'params', 'flops'] as const;

const quantiles = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const f = (v: number) => String(+v.toPrecision(3));
  return `${f(s[0])} / ${f(at(0.5))} / ${f(s[s.length - 1])}`;
};

const store = openStore(db, { readonly: true });
try {
  const runs = runArgs.length ? runArgs.map(Number) : store.listRuns().map((r) => r.id).reverse();
  for (const id of runs) {
    const run = store.getRunSummary(id);
    if (!run) throw new Error(`no run ${id} in ${db}`);
    const done: Candidate[] = store.listCandidates(id, { status: 'done' }).filter((c) => typeof c.metrics.accuracy === 'number');
    console.log(`run ${id} (${run.strategy}; ${run.commandLine}): ${done.length} done`);
    if (done.length < 2) continue;
    const acc = done.map((c) => c.metrics.accuracy!);
    console.log(`  accuracy min / median / max   ${quantiles(acc)}`);
    for (const m of COSTS) {
      const have = done.filter((c) => typeof c.metrics[m] === 'number');
      if (have.length < 2) continue;
      const cost = have.map((c) => c.metrics[m]!);
      const front = paretoFront(have.map((c) => [c.metrics.accuracy!, c.metrics[m]!]), ['max', 'min']);
      console.log(`  ${m.padEnd(12)} min / median / max   ${quantiles(cost)};  Spearman with accuracy ${rankCorrelation(have.map((c) => c.metrics.accuracy!), cost).toFixed(2)};  front (accuracy, ${m}) ${front.length}`);
    }
    const valImages = z.object({ proxy: z.object({ valImages: z.int().min(1) }) }).safeParse(run.config);
    const priced = done.filter((c) => typeof c.metrics.flops === 'number');
    if (valImages.success && priced.length >= 2) {
      const front = paretoFront(priced.map((c) => [c.metrics.accuracy!, c.metrics.flops!]), ['max', 'min'])
        .map((i) => priced[i]).sort((a, b) => a.metrics.flops! - b.metrics.flops!);
      const median = [...front.map((c) => c.metrics.accuracy!)].sort((a, b) => a - b)[Math.floor(front.length / 2)];
      const noise = Math.sqrt((median * (1 - median)) / valImages.data.proxy.valImages);
      const resolved: Candidate[] = [];
      for (const c of front) if (resolved.length === 0 || c.metrics.accuracy! - resolved[resolved.length - 1].metrics.accuracy! > noise) resolved.push(c);
      console.log(`  front on MACs, cheapest first: ${front.map((c) => `${c.id} ${(100 * c.metrics.accuracy!).toFixed(1)} % ${(c.metrics.flops! / 1e6).toFixed(2)}M`).join(', ')}`);
      console.log(`  of its ${front.length}, ${resolved.length} more than ${(100 * noise).toFixed(1)} points (one validation standard error at ${valImages.data.proxy.valImages} images) above the last counted: ${resolved.map((c) => c.id).join(', ')}`);
    }
    const iqr = done.filter((c) => c.metrics.latency_iqr_ms !== undefined && c.metrics.latency_ms).map((c) => c.metrics.latency_iqr_ms! / c.metrics.latency_ms!);
    if (iqr.length) console.log(`  latency IQR / median, per candidate: ${quantiles(iqr)}`);
  }
} finally {
  store.close();
}
