/**
 * `cellscape fidelity`: how well an evaluator ranks architectures.
 *  --table FILE: evaluates a reference table's architectures with any evaluator and budget that
 *    `cellscape search` accepts (a stored, resumable list run; architectures an earlier run of the
 *    same measurement evaluated are not evaluated again) and ranks its scores against the table.
 *  --run RUN --check K: evaluates K of a search's candidates (front first) again at a higher
 *    budget and ranks the search's own scores against those.
 * Prints Spearman's rho, Kendall's tau-b, top-10 % precision and seconds per candidate, and
 * stores them as an event of the run ('fidelity', or 'fidelity-check' on the search run).
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
import { runConfigSchema, type RunConfig } from '../run/config.ts';
import { initBackend } from '../backend/index.ts';
import { backendName, configFrom, datasetFor, withTaskDefaults } from '../run/drivers/ask-tell.ts';
import { flagsSchema as searchFlags } from './search.ts';
import { REFERENCE_BUDGET } from '../reference/budget.ts';
import { readRows } from '../reference/rows.ts';
import { evaluateList } from '../reference/evaluate-list.ts';
import { checkFidelity } from '../reference/check.ts';
import { fidelityOf, fidelityTable, formatFidelity } from '../reference/fidelity.ts';
import { seedMeanReference } from '../reference/seed-mean.ts';

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = searchFlags.omit({ space: true, strategy: true, budget: true, population: true, sample: true, crossover: true }).extend({
  table: z.string().regex(/\.(jsonl|ndjson|csv)$/i, 'expected a table written by cellscape reference or cellscape table (.jsonl or .csv)').optional(),
  limit: int(2).optional(),
  'seed-tables': z.string().optional(),
  split: z.enum(['val', 'test']).default('val'),
  run: int(1).optional(),
  check: int(2).optional(),
});

const HELP = `Usage: cellscape fidelity --table FILE [evaluator] [budget] [--limit N] [--split val|test] [--workers N] [--db FILE]
       cellscape fidelity --run RUN --check K [--epochs E --train-images N --val-images N] [--workers N] [--db FILE]

--table: evaluates the architectures of a reference table (made by cellscape reference) with an
evaluator and ranks them against the table. Evaluator and budget as cellscape search
(--evaluator proxy|table:FILE|zc:PROXY ..., --epochs, --train-images, --val-images, --recipe,
--batch-size, --lr, --seed; latency is not measured unless --latency-runtime is given);
--limit N uses the table's first N rows; --split is the split the evaluator scores on (default
val, as a search does); --seed-tables FILE[,FILE...]: the same table at other training seeds, so
that each architecture's reference is its mean over the seeds (only those all of them hold).
--run RUN --check K: evaluates K candidates of a search (its front, then random ones) again at a
higher budget (--epochs, --train-images, --val-images; default ${REFERENCE_BUDGET.epochs} epochs x ${REFERENCE_BUDGET.trainImages} images, the reference
tables' budget, or 5x the search's epochs when that is more; at least ${REFERENCE_BUDGET.testImages} validation images) and ranks
the search's own scores against them.

Prints Spearman's rho, Kendall's tau-b, top-10 % precision and seconds per candidate; stored as a
'fidelity' event of the run made (or 'fidelity-check' of the search run).`;

function describe(c: RunConfig, split: string): string {
  if (c.evaluator.kind === 'table') return `table ${c.evaluator.path}`;
  if (c.evaluator.kind !== 'proxy') return 'proxy' in c.evaluator ? `${c.evaluator.kind} ${String(c.evaluator.proxy)}` : c.evaluator.kind;
  const p = c.proxy, r = p.recipe;
  const how = r ? `${r.optimizer} lr ${p.learningRate}${r.warmupFraction ? ` warm-up ${r.warmupFraction}` : ''}${r.labelSmoothing ? ` smoothing ${r.labelSmoothing}` : ''}${r.augment ? '' : ' no augmentation'}` : `momentum lr ${p.learningRate}`;
  return `proxy ${p.epochs} epochs x ${p.trainImages} images, ${how}, ${split} ${p.valImages}`;
}

async function againstTable(argv: string[], parsed: z.output<typeof flagsSchema>, table: string): Promise<number> {
  const tablePath = resolve(table);
  const rows = readRows(tablePath, '--table').slice(0, parsed.limit);
  if (rows.length < 2) throw new UsageError(`--table ${table}: ${rows.length} rows; at least 2 are needed to rank`);
  if (new Set(rows.map((r) => r.spaceHash)).size > 1) throw new UsageError(`--table ${table}: rows of different spaces`);
  const spacePath = resolve(resolveSpacePath(rows[0].space));
  const { def, space } = readSpace(spacePath);
  if (space.hash !== rows[0].spaceHash) throw new UsageError(`--table ${table}: made on another version of the space ${rows[0].space} (hash ${rows[0].spaceHash.slice(0, 12)}, now ${space.hash.slice(0, 12)})`);
  const f = withTaskDefaults({
    ...parsed, space: rows[0].space, strategy: 'random', budget: rows.length, population: 2, sample: 1, crossover: 0,
    'latency-runtime': argv.some((a) => a.startsWith('--latency-runtime')) ? parsed['latency-runtime'] : 'none',
  }, def.task);
  const base = configFrom(f, spacePath, def.task);
  const config = runConfigSchema.parse({ ...base, strategy: 'list', proxy: { ...base.proxy, ...(parsed.split === 'test' ? { split: 'test' } : {}) } });
  const others = (parsed['seed-tables'] ?? '').split(',').filter(Boolean).map((p) => ({ path: p, rows: readRows(resolve(p), '--seed-tables') }));
  const reference = seedMeanReference({ path: table, rows }, others);
  if (reference.size < 2) throw new UsageError(`--seed-tables: ${reference.size} of the table's architectures are in every seed's table; at least 2 are needed to rank`);
  const dataset = await datasetFor(f.dataset, def.task);
  const backend = await backendName(f, config);
  const store = openStore(f.db);
  try {
    const genotypes = rows.filter((r) => reference.has(r.arch)).map((r) => (space as Space<Genotype>).validate(r.genotype, `${table} row ${r.arch.slice(0, 40)}`));
    const { code, runId, results } = await evaluateList(store, {
      name: `fidelity ${tablePath}`, def, space, dataset, backend, seed: f.seed, config, commandLine: ['cellscape', 'fidelity', ...argv].join(' '),
    }, genotypes, (line) => console.log(line));
    if (code !== 0) return code;
    const result = fidelityOf(reference, [...results].map(([key, e]) => ({ key, ...e })));
    const what = describe(config, parsed.split);
    const seeds = others.length ? `, mean of ${others.length + 1} seeds` : '';
    console.log(`\nfidelity of ${what} against ${table} (${reference.size} rows${seeds}, ${rows[0].budget.epochs as number} epochs x ${rows[0].budget.trainImages as number} images, ${rows[0].split}):`);
    console.log(fidelityTable(result));
    store.addEvent(runId!, {
      level: 'info', kind: 'fidelity', message: `${what} against ${reference.size} reference rows${seeds}: ${formatFidelity(result)}`,
      data: {
        ...result, reference: tablePath, referenceSha256: createHash('sha256').update(readFileSync(tablePath)).digest('hex'), referenceRows: reference.size,
        ...(others.length ? { seedTables: others.map((o) => resolve(o.path)) } : {}), evaluator: config.evaluator, proxy: config.proxy,
      },
    });
    return 0;
  } finally {
    store.close();
  }
}

async function checkRun(argv: string[], parsed: z.output<typeof flagsSchema>, runId: number, k: number): Promise<number> {
  const store = openStore(parsed.db);
  try {
    const { code } = await checkFidelity(store, runId, {
      k, workers: parsed.workers ?? 1, seed: parsed.seed, backend: (await initBackend({ backend: parsed.backend })).name,
      budget: { epochs: parsed.epochs, trainImages: parsed['train-images'], valImages: parsed['val-images'] },
      commandLine: ['cellscape', 'fidelity', ...argv].join(' '), log: (line) => console.log(line),
    });
    return code;
  } finally {
    store.close();
  }
}

export const command: Command = {
  async run(argv) {
    const { flags: parsed } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (parsed.help) { console.log(HELP); return 0; }
    if (parsed.table !== undefined && parsed.run !== undefined) throw new UsageError('--table and --run: give one of them');
    if (parsed.table !== undefined) return againstTable(argv, parsed, parsed.table);
    if (parsed.run !== undefined) {
      if (parsed.check === undefined) throw new UsageError('--run: needs --check K (candidates to evaluate again)');
      return checkRun(argv, parsed, parsed.run, parsed.check);
    }
    throw new UsageError(`give --table FILE or --run RUN --check K\n${HELP.split('\n').slice(0, 2).join('\n')}`);
  },
};
