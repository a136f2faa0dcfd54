/**
 * Why a search's Pareto front has the size it has: for each run of a database, the spread of the
 * candidates' accuracy and costs (latency, its repeat-to-repeat spread, parameters, MACs), how
 * each cost correlates with accuracy (a front is long only where cost buys accuracy), and the
 * front's size on accuracy against each cost.
 *
 *   node --import tsx bench/front-shape.ts DB [RUN...]
 */
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
    const iqr = done.filter((c) => c.metrics.latency_iqr_ms !== undefined && c.metrics.latency_ms).map((c) => c.metrics.latency_iqr_ms! / c.metrics.latency_ms!);
    if (iqr.length) console.log(`  latency IQR / median, per candidate: ${quantiles(iqr)}`);
  }
} finally {
  store.close();
}
