/**
 * `cellscape resume RUN`: continues a run that was stopped (Ctrl-C), failed, or killed outright,
 * from what the store holds, whatever its strategy: the registry gives the run's driver, which
 * restores its state (an ask/tell strategy's, a supernet's checkpoint) and carries on; finished
 * candidates and epochs are neither lost nor repeated.
 */
import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { EnvironmentError, UsageError } from '../util/errors.ts';
import { openStore, type Store } from '../store/store.ts';
import { parseRedisUrl } from '../executor/queue-redis.ts';
import { parseFlags } from '../run/flags.ts';
import { driverOf } from '../run/registry.ts';
import { reopenRun, runSession } from '../run/session.ts';
import { finishCheck, pendingCheck } from '../reference/search-check.ts';

const flagsSchema = z.strictObject({
  db: z.string().default('runs.db'),
  workers: z.coerce.number().int().min(1).optional(),
  force: z.boolean().optional(),
  redis: z.string().optional(),
  queue: z.string().optional(),
  help: z.boolean().optional(),
});

export const runIdSchema = z.coerce.number().int().positive();

/** The run id positional, checked, or a usage error naming what was wrong. */
export function runIdOf(positionals: string[], usage: string): number {
  if (positionals.length === 0) throw new UsageError(`missing the run id\n${usage}`);
  const id = runIdSchema.safeParse(positionals[0]);
  if (!id.success) throw new UsageError(`RUN '${positionals[0]}': expected a run id (a positive integer; see cellscape runs)`);
  return id.data;
}

/** Opens an existing run database; a missing or unreadable file is the user's to fix, named by its flag. */
export function openDb(path: string, options: { readonly?: boolean } = {}): Store {
  if (!existsSync(path)) throw new UsageError(`--db ${path}: no such database (runs are stored by cellscape search)`);
  // SQLite takes an empty file for an empty database, and a writer would put the schema in it.
  if (statSync(path).size === 0) throw new UsageError(`--db ${path}: an empty file, not a database (runs are stored by cellscape search)`);
  try {
    return openStore(path, options);
  } catch (err) {
    const message = `--db ${path}: ${(err as Error).message}`;
    throw err instanceof EnvironmentError ? new EnvironmentError(message) : new UsageError(message);
  }
}

const USAGE = 'Usage: cellscape resume RUN [--db FILE] [--workers N] [--force] [--redis URL [--queue NAME]]\n(a run asked to end with a fidelity check, --check-fidelity, finishes that check too)';

export const command: Command = {
  async run(argv) {
    const { flags, positionals } = parseFlags(argv, flagsSchema, { booleans: ['force', 'help'], positionals: 1 });
    if (flags.help) { console.log(USAGE); return 0; }
    const runId = runIdOf(positionals, USAGE);
    if (flags.redis) parseRedisUrl(flags.redis); // a bad URL is refused before the run is marked running
    const store = openDb(flags.db);
    try {
      const run = store.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId} in ${flags.db} (see cellscape runs --db ${flags.db})`);
      const check = { commandLine: ['cellscape', 'resume', ...argv].join(' '), force: flags.force, log: (line: string) => console.log(line) };
      if (run.status === 'finished' && pendingCheck(store, runId)) return await finishCheck(store, runId, { ...check, workers: flags.workers });
      const driver = await driverOf(run.strategy);
      const reopened = await reopenRun(store, run, driver, { workers: flags.workers, force: flags.force });
      console.log(reopened.line);
      const code = await runSession({ store, runId, driver, space: reopened.space, workers: reopened.workers, redis: flags.redis, queue: flags.queue });
      return code === 0 ? await finishCheck(store, runId, { ...check, workers: reopened.workers }) : code;
    } finally {
      store.close();
    }
  },
};
