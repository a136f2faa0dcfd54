/**
 * `cellscape fidelity --table FILE [evaluator and budget as for cellscape search]`: how well an
 * evaluator ranks architectures. Evaluates the table's architectures with it (a stored,
 * resumable list run; architectures an earlier run of the same measurement evaluated are not
 * evaluated again), then prints Spearman's rho, Kendall's tau and top-10 % precision against the
 * table's accuracies, with seconds per candidate, and stores them as a 'fidelity' event of the run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { resolveSpacePath } from '../space/load.ts';
import { openStore } from '../store/store.ts';
import type { Genotype, Space } from '../space/types.ts';
import { parseFlags } from '../run/flags.ts';
import { readSpace } from '../run/record.ts';
import { runSession } from '../run/session.ts';
import { runConfigSchema } from '../run/config.ts';
import { table as textTable } from '../run/report.ts';
import { backendName, configFrom, datasetFor, withTaskDefaults } from '../run/drivers/ask-tell.ts';
import { driverOf } from '../run/registry.ts';
import { flagsSchema as searchFlags } from './search.ts';
import { measuredRuns, openListRun, type ListRunSpec } from '../reference/list-run.ts';
import { readRows } from '../reference/rows.ts';
import { kendallTau, spearman, topPrecision } from '../reference/agreement.ts';

const flagsSchema = searchFlags.omit({ space: true, strategy: true, budget: true, population: true, sample: true, crossover: true }).extend({
  table: z.string().regex(/\.(jsonl|ndjson|csv)$/i, 'expected a table written by cellscape reference or cellscape table (.jsonl or .csv)'),
  limit: z.coerce.number().int().min(2).optional(),
  split: z.enum(['val', 'test']).default('val'),
});

const HELP = `Usage: cellscape fidelity --table FILE [evaluator] [budget] [--limit N] [--split val|test] [--workers N] [--db FILE]

Evaluates the architectures of a reference table (made by cellscape reference) with an evaluator,
and measures how well it ranks them against the table: Spearman's rho, Kendall's tau, top-10 %
precision, seconds per candidate. Stored as a 'fidelity' event of the run it makes (resumable).
  evaluator and budget: as cellscape search (--evaluator proxy|table:FILE ..., --epochs, --train-images,
    --val-images, --recipe, --batch-size, --lr, --seed, --latency-runtime, default none)
  --limit N     only the table's first N rows
  --split S     the split the evaluator scores on (default val, as a search does)`;

export interface Fidelity { n: number; spearman: number; kendall: number; top10: number; secondsPerCandidate: number }

export function fidelityOf(reference: ReadonlyMap<string, number>, evaluated: readonly { key: string; accuracy: number; seconds: number }[]): Fidelity {
  const pairs = evaluated.filter((e) => reference.has(e.key));
  const ref = pairs.map((e) => reference.get(e.key)!), got = pairs.map((e) => e.accuracy);
  return {
    n: pairs.length, spearman: spearman(ref, got), kendall: kendallTau(ref, got), top10: topPrecision(ref, got, 0.1),
    secondsPerCandidate: pairs.reduce((s, e) => s + e.seconds, 0) / pairs.length,
  };
}

export const command: Command = {
  async run(argv) {
    const { flags: parsed } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (parsed.help) { console.log(HELP); return 0; }
    const tablePath = resolve(parsed.table);
    const rows = readRows(tablePath).slice(0, parsed.limit);
    if (rows.length < 2) throw new UsageError(`--table ${parsed.table}: ${rows.length} rows; at least 2 are needed to rank`);
    const spaces = new Set(rows.map((r) => r.spaceHash));
    if (spaces.size > 1) throw new UsageError(`--table ${parsed.table}: rows of ${spaces.size} different spaces`);
    const spacePath = resolve(resolveSpacePath(rows[0].space));
    const { def, space: loaded } = readSpace(spacePath);
    if (loaded.hash !== rows[0].spaceHash) throw new UsageError(`--table ${parsed.table}: made on another version of the space ${rows[0].space} (hash ${rows[0].spaceHash.slice(0, 12)}, now ${loaded.hash.slice(0, 12)})`);
    const space = loaded as Space<Genotype>;

    const f = withTaskDefaults({
      ...parsed, space: rows[0].space, strategy: 'random', budget: rows.length, population: 2, sample: 1, crossover: 0,
      'latency-runtime': argv.some((a) => a.startsWith('--latency-runtime')) ? parsed['latency-runtime'] : 'none',
    }, def.task);
    const base = configFrom(f, spacePath);
    const config = runConfigSchema.parse({ ...base, strategy: 'list', proxy: { ...base.proxy, ...(parsed.split === 'test' ? { split: 'test' } : {}) } });
    const dataset = await datasetFor(f.dataset, def.task);
    const backend = await backendName(f, config);
    const store = openStore(f.db);
    try {
      const spec: ListRunSpec = {
        name: `fidelity ${tablePath}`, def, space: loaded, dataset, backend, seed: f.seed, config,
        commandLine: ['cellscape', 'fidelity', ...argv].join(' '),
      };
      const evaluatedBefore = new Set(measuredRuns(store, spec).flatMap((r) => store.listCandidates(r.id).filter((c) => c.status === 'done' || c.status === 'failed').map((c) => c.key)));
      const todo = rows.filter((r) => !evaluatedBefore.has(r.arch)).map((r) => space.validate(r.genotype, `${parsed.table} row ${r.arch.slice(0, 40)}`));
      let code = 0;
      let runId: number;
      if (todo.length > 0) {
        const { run, resumed } = openListRun(store, { ...spec, config: { ...config, genotypes: todo, budget: todo.length } });
        runId = run.id;
        console.log(`run ${run.id} in ${f.db}${resumed ? ' (continued)' : ''}: ${todo.length} of ${rows.length} architectures of ${parsed.table} to evaluate`);
        code = await runSession({ store, runId: run.id, driver: await driverOf('list'), space, workers: config.workers });
        if (code !== 0) return code;
      } else {
        runId = measuredRuns(store, spec).at(-1)!.id;
      }
      const wanted = new Set(rows.map((r) => r.arch));
      const evaluated = measuredRuns(store, spec).flatMap((r) => store.listCandidates(r.id, { status: 'done' }))
        .filter((c) => wanted.has(c.key)).map((c) => ({ key: c.key, accuracy: c.accuracy!, seconds: c.trainSeconds ?? NaN }));
      const result = fidelityOf(new Map(rows.map((r) => [r.arch, r.accuracy])), evaluated);
      const budget = config.evaluator.kind === 'proxy'
        ? `proxy ${config.proxy.epochs} ep x ${config.proxy.trainImages} img, ${config.proxy.recipe ? 'recipe' : 'sgd'} lr ${config.proxy.learningRate}, ${parsed.split} ${config.proxy.valImages}`
        : config.evaluator.kind === 'table' ? `table ${config.evaluator.path}` : config.evaluator.kind;
      console.log(`\nfidelity of ${budget} against ${parsed.table} (${rows.length} rows, ${rows[0].budget.epochs as number} epochs x ${rows[0].budget.trainImages as number} images, ${rows[0].split}):`);
      const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
      console.log(textTable(['n', 'spearman', 'kendall', 'top10%', 's/candidate'], [[String(result.n), fmt(result.spearman), fmt(result.kendall), fmt(result.top10), result.secondsPerCandidate.toFixed(1)]]));
      store.addEvent(runId, {
        level: 'info', kind: 'fidelity',
        message: `${budget}: spearman ${fmt(result.spearman)}, kendall ${fmt(result.kendall)}, top-10% ${fmt(result.top10)} over ${result.n} of ${rows.length} reference rows`,
        data: { ...result, reference: tablePath, referenceSha256: createHash('sha256').update(readFileSync(tablePath)).digest('hex'), referenceRows: rows.length, evaluator: config.evaluator, proxy: config.proxy },
      });
      return code;
    } finally {
      store.close();
    }
  },
};
