/**
 * `cellscape table RUN --out FILE`: any run's finished candidates as a tabular benchmark that
 * `cellscape search --evaluator table:FILE --accuracy-col accuracy` reads back, with each row's
 * provenance. Rows already in FILE stay; the run's other rows are added, if measured alike.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';
import { parseFlags } from '../run/flags.ts';
import { runConfigSchema } from '../run/config.ts';
import { checkRows, mergeRows, provenanceOf, readRowsSoFar, rowsOfRun, writeRows } from '../reference/rows.ts';
import { openDb, runIdOf } from './resume.ts';

const flagsSchema = z.strictObject({
  out: z.string().regex(/\.(jsonl|ndjson|csv)$/i, 'expected a .jsonl or .csv file'),
  db: z.string().default('runs.db'),
  help: z.boolean().optional(),
});

const USAGE = 'Usage: cellscape table RUN --out FILE.jsonl|FILE.csv [--db FILE]';

export const command: Command = {
  async run(argv) {
    const { flags, positionals } = parseFlags(argv, flagsSchema, { booleans: ['help'], positionals: 1 });
    if (flags.help) { console.log(USAGE); return 0; }
    const runId = runIdOf(positionals, USAGE);
    const store = openDb(flags.db, { readonly: true });
    try {
      const run = store.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId} in ${flags.db} (see cellscape runs --db ${flags.db})`);
      const config = runConfigSchema.safeParse(run.config);
      if (!config.success) throw new UsageError(`run ${runId}: not a search run (DARTS runs are not tables)`);
      const out = resolve(flags.out);
      const have = readRowsSoFar(out);
      checkRows(out, have, provenanceOf(run, config.data));
      const rows = mergeRows(have, rowsOfRun(run, config.data, store.listCandidates(runId, { status: 'done' })));
      writeRows(out, rows);
      console.log(`${out}: ${rows.length} rows (${rows.length - have.length} added from run ${runId})`);
      return 0;
    } finally {
      store.close();
    }
  },
};
