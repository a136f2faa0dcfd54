/**
 * Writes a demo database of sample runs to look at the explorer without running a search:
 *   node --import tsx explorer/demo.ts demo.db && cellscape explore --db demo.db
 */
import { existsSync } from 'node:fs';
import { openStore } from '../search/store/store.ts';
import { writeSampleDartsRun, writeSampleRun, writeSampleSupernetRun } from './sample-runs.ts';

const path = process.argv[2] ?? 'demo.db';
if (existsSync(path)) {
  console.error(`demo: ${path} exists; give another path or remove it`);
  process.exit(2);
}
const store = openStore(path);
writeSampleRun(store, { name: 'evolution-cells', candidates: 3000, seed: 1, populationSize: 64 });
writeSampleRun(store, { name: 'random-cells', candidates: 1500, seed: 2, populationSize: 64 });
writeSampleRun(store, { name: 'evolution-blocks', family: 'block', candidates: 800, seed: 3 });
writeSampleRun(store, { name: 'nb201-evolution', family: 'tabular', candidates: 300, seed: 4 });
writeSampleDartsRun(store, { epochs: 30 });
writeSampleSupernetRun(store, { phaseEpochs: [2, 2, 2, 4], watched: 6, specialised: [20, 35, 60] });
store.close();
console.log(`demo: wrote ${path}`);
