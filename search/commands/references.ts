/**
 * `cellscape references --space NAME`: trains the named hand-designed architectures of a shipped
 * space (search/space/references.ts) at a stated budget into the database, one list run per seed,
 * each with a 'references' event naming its candidates. The explorer draws them from there as
 * labelled points on every run of the same data set, so their figures are measurements of this
 * machine and budget, never numbers written into the app. Continues where a stopped one left off.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { resolveSpacePath } from '../space/load.ts';
import { referencesOf } from '../space/references.ts';
import type { Genotype, Space } from '../space/types.ts';
import { openStore } from '../store/store.ts';
import { parseFlags } from '../run/flags.ts';
import { readSpace } from '../run/record.ts';
import { runConfigSchema } from '../run/config.ts';
import { backendName, configFrom, datasetFor, withTaskDefaults } from '../run/drivers/ask-tell.ts';
import { flagsSchema as searchFlags } from './search.ts';
import { evaluateList } from '../reference/evaluate-list.ts';
import { measuredRuns } from '../reference/list-run.ts';
import { REFERENCES_EVENT, type ReferencesData } from '../contracts/references.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = searchFlags.omit({ strategy: true, budget: true, population: true, sample: true, crossover: true }).extend({
  seeds: int(1).default(2),
  names: z.string().optional(),
});

const HELP = `Usage: cellscape references --space NAME [--names a,b] [--seeds N] [budget] [--workers N] [--db FILE]

Trains the named reference architectures of a shipped space (cellscape inspect NAME describes
each: pspnet-like, setr-like, ... on seg-blocks; resnet-like, ... on darts-fmnist-small) from
scratch at the budget a search would use (--dataset, --epochs, --train-images, --val-images,
--batch-size, --lr, --recipe, --latency-runtime as cellscape search), once per training seed
(--seeds N: seeds --seed .. --seed+N-1), into --db. The explorer draws them as labelled reference
points on the Pareto plot of every run on the same data set (the mean over seeds). Architectures
already trained at this budget are not trained again: run the same command to continue.`;

export const command: Command = {
  async run(argv) {
    const { flags: parsed } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (parsed.help) { console.log(HELP); return 0; }
    const spacePath = resolve(resolveSpacePath(parsed.space));
    const { def, space: loaded } = readSpace(spacePath);
    const space = loaded as Space<Genotype>;
    const all = referencesOf(def.name);
    if (all.length === 0) throw new UsageError(`--space ${parsed.space}: no named reference architectures for the space '${def.name}'`);
    const wanted = parsed.names?.split(',');
    for (const n of wanted ?? []) if (!all.some((r) => r.name === n)) throw new UsageError(`--names: '${n}' is not a reference of ${def.name} (${all.map((r) => r.name).join(', ')})`);
    const chosen = all.filter((r) => !wanted || wanted.includes(r.name));
    const genotypes = chosen.map((r) => space.validate(r.genotype, `reference ${r.name}`));
    const data: ReferencesData = { space: def.name, names: Object.fromEntries(chosen.map((r, i) => [space.key(genotypes[i]), r.name])) };

    const f = withTaskDefaults({ ...parsed, strategy: 'random', budget: chosen.length, population: 2, sample: 1, crossover: 0 }, def.task);
    const config = runConfigSchema.parse({ ...configFrom(f, spacePath, def.task), strategy: 'list' });
    if (config.evaluator.kind !== 'proxy') throw new UsageError('--evaluator: references are trained (proxy); a table or proxy score would not measure them');
    const dataset = await datasetFor(f.dataset, def.task);
    const backend = await backendName(f, config);
    const store = openStore(f.db);
    try {
      for (let seed = f.seed; seed < f.seed + parsed.seeds; seed++) {
        const spec = { name: `references ${def.name}`, def, space: loaded, dataset, backend, seed, config, commandLine: ['cellscape', 'references', ...argv].join(' ') };
        const { code } = await evaluateList(store, spec, genotypes, (line) => console.log(`seed ${seed}: ${line}`));
        // Every run of this measurement names its candidates, those of an earlier, stopped command too.
        for (const run of measuredRuns(store, spec)) {
          if (store.listEventsOfKind(REFERENCES_EVENT, run.id).length === 0) {
            store.addEvent(run.id, { level: 'info', kind: REFERENCES_EVENT, message: `reference architectures of ${def.name}`, data });
          }
        }
        if (code !== 0) return code;
      }
      console.log(`${chosen.length} references x ${parsed.seeds} seeds of ${def.name} on ${dataset} in ${f.db}: cellscape explore draws them on its runs' plots`);
      return 0;
    } finally {
      store.close();
    }
  },
};
