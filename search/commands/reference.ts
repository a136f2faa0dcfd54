/**
 * `cellscape reference --out FILE`: a reference table of our own. Trains a list of architectures
 * (uniform samples of the space, a genotype file, the front of a run) at a stated budget, scores
 * them on the test split, and keeps FILE up to date as rows finish. The file is the state that
 * survives a fresh clone: architectures already in it are not trained again, so the same command
 * continues the table wherever it is run; within one machine the run itself is resumable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { resolveSpacePath } from '../space/load.ts';
import { openStore } from '../store/store.ts';
import { parseFlags } from '../run/flags.ts';
import { readSpace } from '../run/record.ts';
import { runSession } from '../run/session.ts';
import { runConfigSchema } from '../run/config.ts';
import { backendName, configFrom, datasetFor, withTaskDefaults } from '../run/drivers/ask-tell.ts';
import { driverOf } from '../run/registry.ts';
import { flagsSchema as searchFlags } from './search.ts';
import { frontGenotypes, genotypesOfFile, sampleGenotypes } from '../reference/genotypes.ts';
import { openListRun } from '../reference/list-run.ts';
import { checkRows, mergeRows, provenanceOf, readRowsSoFar, rowsOfRun, writeRows } from '../reference/rows.ts';
import type { Store } from '../store/store.ts';
import { REFERENCE_BUDGET } from '../reference/budget.ts';
import type { Genotype, Space } from '../space/types.ts';


const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = searchFlags.extend({
  out: z.string().regex(/\.(jsonl|ndjson|csv)$/i, 'expected a .jsonl or .csv file'),
  uniform: int(0).default(0),
  'uniform-seed': int(0).default(0),
  genotypes: z.string().optional(),
  'front-of': int(1).optional(),
  'test-images': int(10).optional(),
  first: int(1).optional(),
});

const HELP = `Usage: cellscape reference --out FILE.jsonl|FILE.csv [architectures] [budget] [--workers N] [--db FILE]

Trains each architecture from scratch, scores it on the test split, and writes the table FILE as
rows finish (the table evaluator's format: arch, accuracy, params, flops, with provenance and the
genotype). Rows already in FILE are kept and not trained again: run the same command to continue.

Architectures (any together, in this order; repeats skipped):
  --uniform N [--uniform-seed S]   N uniform samples of the space
  --genotypes FILE                 a JSON array of genotypes, or a table's genotype column
  --front-of RUN                   the Pareto front of a run in --db
  --first N                        only the first N of those (a second seed or a larger budget on a subset)
Budget (as cellscape search): --space, --dataset, --epochs E (default ${REFERENCE_BUDGET.epochs}), --train-images N
  (default ${REFERENCE_BUDGET.trainImages}), --test-images N (default ${REFERENCE_BUDGET.testImages}), --recipe, --batch-size, --lr,
  --seed S (training seeds come from S and each architecture), --backend`;

/** Rewrites the table: the rows it had, then the run's finished ones not in it yet. */
function exportTable(out: string, store: Store, runId: number): void {
  const run = store.getRun(runId)!;
  const config = runConfigSchema.parse(run.config);
  writeRows(out, mergeRows(readRowsSoFar(out), rowsOfRun(run, config, store.listCandidates(runId, { status: 'done' }))));
}

export const command: Command = {
  async run(argv) {
    const { flags: parsed } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (parsed.help) { console.log(HELP); return 0; }
    if (parsed['val-images'] !== undefined) throw new UsageError('--val-images: a reference table is scored on the test split; use --test-images');
    const out = resolve(parsed.out);
    const spacePath = resolve(resolveSpacePath(parsed.space));
    const { def, space: loaded } = readSpace(spacePath);
    const space = loaded as Space<Genotype>;
    if (def.task !== 'classification') throw new UsageError(`--space ${parsed.space}: reference tables are for classification spaces`);
    const f = withTaskDefaults({
      ...parsed, epochs: parsed.epochs ?? REFERENCE_BUDGET.epochs, 'train-images': parsed['train-images'] ?? REFERENCE_BUDGET.trainImages,
      'val-images': parsed['test-images'] ?? REFERENCE_BUDGET.testImages, 'latency-runtime': 'none',
    }, def.task);
    const base = configFrom({ ...f, strategy: 'random', budget: 1 }, spacePath, def.task);
    const dataset = await datasetFor(f.dataset, def.task);

    const store = openStore(f.db);
    try {
      const wanted = [
        ...sampleGenotypes(space, parsed.uniform, parsed['uniform-seed']),
        ...(parsed.genotypes ? genotypesOfFile(parsed.genotypes, '--genotypes') : []),
        ...(parsed['front-of'] ? frontGenotypes(store, parsed['front-of']) : []),
      ].slice(0, parsed.first).map((g, i) => space.validate(g, `architecture ${i + 1}`));
      if (wanted.length === 0) throw new UsageError('no architectures: give --uniform N, --genotypes FILE or --front-of RUN');
      const have = readRowsSoFar(out);
      const backend = await backendName(f, base);
      const config = runConfigSchema.parse({ ...base, proxy: { ...base.proxy, split: 'test' }, strategy: 'list' });
      checkRows(out, have, provenanceOf({ spaceName: def.name, spaceHash: space.hash, dataset, seed: f.seed }, config));
      const done = new Set(have.map((r) => r.arch));
      const keys = new Set<string>();
      const todo = wanted.filter((g) => { const k = space.key(g); if (done.has(k) || keys.has(k)) return false; keys.add(k); return true; });
      console.log(`${out}: ${have.length} rows; ${wanted.length} architectures asked, ${todo.length} to train`);
      if (todo.length === 0) return 0;

      const { run, resumed } = openListRun(store, {
        name: `reference ${out}`, def, space: loaded, dataset, backend, seed: f.seed, commandLine: ['cellscape', 'reference', ...argv].join(' '),
        config: { ...config, genotypes: todo, budget: todo.length },
      });
      console.log(`run ${run.id} in ${f.db}${resumed ? ' (continued)' : ''}: ${def.name} on ${dataset} (${backend}), ` +
        `${config.proxy.epochs} epochs x ${config.proxy.trainImages} images, test ${config.proxy.valImages}, ${config.workers} workers, seed ${f.seed}`);
      let exported = -1;
      const refresh = () => {
        const n = store.listCandidates(run.id, { status: 'done' }).length;
        if (n !== exported) { exported = n; exportTable(out, store, run.id); }
      };
      const timer = setInterval(refresh, 5000);
      try {
        const code = await runSession({ store, runId: run.id, driver: await driverOf('list'), space, workers: config.workers });
        if (code === 0 && resumed) console.log('continued an earlier run of this table; run the command again for architectures it did not list');
        return code;
      } finally {
        clearInterval(timer);
        refresh();
        console.log(`${out}: ${readRowsSoFar(out).length} rows`);
      }
    } finally {
      store.close();
    }
  },
};
