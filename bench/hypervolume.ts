/**
 * `node --import tsx bench/hypervolume.ts [--seeds 5] [--budget 200]`: compares random search,
 * aging evolution and NSGA-II at equal budget on the synthetic NAS-Bench-201 table
 * (test/synthetic-nb201.ts), printing per seed and on average the best accuracy
 * and the hypervolume of (max accuracy, min latency) against reference (0, 7 ms).
 */
import { parseArgs } from 'node:util';
import { nb201Space, syntheticMetrics } from '../test/strategy-fixtures.ts';
import { createRandomSearch } from '../search/strategies/random.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import { createNsga2 } from '../search/strategies/nsga2.ts';
import { driveSearch } from '../search/strategies/drive.ts';
import { hypervolume } from '../search/objectives/hypervolume.ts';
import type { Strategy } from '../search/strategies/types.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, budget: { type: 'string', default: '200' } } });
const seeds = Number(values.seeds);
const budget = Number(values.budget);
const reference = [0, 7];

const space = nb201Space();
const makers: Record<string, (seed: number) => Strategy<TabularCellGenotype>> = {
  random: (seed) => createRandomSearch(space, {}, { seed }),
  aging: (seed) => createAgingEvolution(space, { populationSize: 20, sampleSize: 5 }, { seed }),
  nsga2: (seed) => createNsga2(space, { populationSize: 20, objectives: ['accuracy', 'latency_ms'] }, { seed }),
};

const summary: Record<string, { best: number[]; hv: number[] }> = {};
for (const [name, make] of Object.entries(makers)) {
  summary[name] = { best: [], hv: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    const history = driveSearch(make(seed), (g) => syntheticMetrics(g), { budget });
    const points = history.flatMap((h) => ('metrics' in h.result ? [[h.result.metrics.accuracy!, h.result.metrics.latency_ms!]] : []));
    const best = Math.max(...points.map((p) => p[0]));
    const hv = hypervolume(points, reference, ['max', 'min']);
    summary[name].best.push(best);
    summary[name].hv.push(hv);
    console.log(JSON.stringify({ strategy: name, seed, budget, best_accuracy: best, hypervolume: Number(hv.toFixed(4)) }));
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const [name, s] of Object.entries(summary)) {
  console.log(`${name.padEnd(7)} mean best accuracy ${mean(s.best).toFixed(4)}  mean hypervolume ${mean(s.hv).toFixed(4)}  (${seeds} seeds, budget ${budget}, reference accuracy 0 / latency 7 ms)`);
}
