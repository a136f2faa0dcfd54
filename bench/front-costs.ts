/**
 * Which cost a default front should trade accuracy against: how much a measured latency moves
 * between two measurements of the same networks, against how much the networks differ, and for
 * tables of accuracies of the same networks (reference tables, proxy scores at several budgets),
 * how each cost (latency, parameters, MACs) correlates with accuracy and how many of the
 * networks are on the front of accuracy against it.
 *
 * The two latency databases measure the reference table's architectures without training
 * (the zero-cost evaluator `params` costs nothing beside the latency runs):
 *
 *   npx cellscape fidelity --table bench/tables/darts-fmnist-small.jsonl --evaluator zc:params --latency-runtime tfjs --workers 1 --db A.db
 *   (the same with --db B.db)
 *   node --import tsx bench/front-costs.ts A.db B.db bench/data/proxy-scores/darts-fmnist-small-proxy-1x2000.jsonl ...
 */
import { openStore } from '../search/store/store.ts';
import { readRows } from '../search/reference/rows.ts';
import { paretoFront } from '../search/objectives/pareto.ts';
import { rankCorrelation } from '../search/util/rank.ts';
import type { Metrics } from '../search/objectives/metrics.ts';

const [a, b, ...tables] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: bench/front-costs.ts LATENCY-A.db LATENCY-B.db [ACCURACY-TABLE.jsonl...]');
  process.exit(2);
}

/** Each done candidate's metrics by architecture key, of the database's first run. */
function measured(db: string): Map<string, Metrics> {
  const store = openStore(db, { readonly: true });
  try {
    return new Map(store.listCandidates(1, { status: 'done' }).filter((c) => typeof c.metrics.latency_ms === 'number').map((c) => [c.key, c.metrics]));
  } finally {
    store.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const f = (v: number) => String(+v.toPrecision(3));
const first = measured(a), second = measured(b);
const keys = [...first.keys()].filter((k) => second.has(k));
const l1 = keys.map((k) => first.get(k)!.latency_ms!), l2 = keys.map((k) => second.get(k)!.latency_ms!);
const sorted = [...l1].sort((x, y) => x - y);
console.log(`latency of ${keys.length} networks measured twice: min / median / max ${f(sorted[0])} / ${f(median(l1))} / ${f(sorted.at(-1)!)} ms`);
console.log(`  repeat-to-repeat Spearman ${rankCorrelation(l1, l2).toFixed(3)}; median |difference| / latency ${(100 * median(keys.map((_, i) => Math.abs(l1[i] - l2[i]) / l1[i]))).toFixed(1)} %`);
console.log(`  Spearman of latency with parameters ${rankCorrelation(l1, keys.map((k) => first.get(k)!.params!)).toFixed(2)}, with MACs ${rankCorrelation(l1, keys.map((k) => first.get(k)!.flops!)).toFixed(2)}`);

const costs: [string, (k: string) => number][] = [
  ['latency A', (k) => first.get(k)!.latency_ms!], ['latency B', (k) => second.get(k)!.latency_ms!],
  ['params', (k) => first.get(k)!.params!], ['MACs', (k) => first.get(k)!.flops!],
];
console.log('\n| accuracies | n | ' + costs.map(([c]) => `${c}: Spearman with accuracy, front`).join(' | ') + ' |');
console.log('|---|---|' + costs.map(() => '---|').join(''));
for (const t of tables) {
  const rows = readRows(t).filter((r) => first.has(r.arch) && second.has(r.arch));
  const acc = rows.map((r) => r.accuracy);
  const cells = costs.map(([, cost]) => {
    const c = rows.map((r) => cost(r.arch));
    return `${rankCorrelation(acc, c).toFixed(2)}, ${paretoFront(rows.map((_, i) => [acc[i], c[i]]), ['max', 'min']).length}`;
  });
  console.log(`| ${t.split('/').at(-1)} | ${rows.length} | ${cells.join(' | ')} |`);
}
