/**
 * `cellscape resume RUN`: continues a run that was stopped (Ctrl-C), failed, or killed outright,
 * from what the store holds: the strategy restored from its saved state, unfinished candidates
 * evaluated again, finished ones neither lost nor repeated.
 */
import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { EnvironmentError, UsageError } from '../util/errors.ts';
import { openStore, type Store } from '../store/store.ts';
import { defaultWorkers } from '../executor/pool.ts';
import { runConfigSchema } from '../run/config.ts';
import { parseFlags } from '../run/flags.ts';
import { checkInputs } from '../run/record.ts';
import { runSession } from '../run/session.ts';
import { openQueueForRun } from '../executor/queue-session.ts';
import { parseRedisUrl } from '../executor/queue-redis.ts';
import { dartsResumeCommand } from '../strategies/darts/command.ts';

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

const USAGE = 'Usage: cellscape resume RUN [--db FILE] [--workers N] [--force] [--redis URL [--queue NAME]]';

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
      if (run.status === 'finished') throw new UsageError(`run ${runId} is finished; nothing to resume (cellscape show ${runId})`);
      // DARTS resumes from its checkpoint files, not from a strategy state.
      if (run.strategy === 'darts') return await dartsResumeCommand(runId, flags.db);
      const parsed = runConfigSchema.safeParse(run.config);
      if (!parsed.success) throw new UsageError(`run ${runId} was not started by cellscape search (its config does not describe a search): ${parsed.error.issues[0].message}`);
      const config = parsed.data;
      if (run.status === 'running' && !flags.force) {
        const last = Math.max(0, ...store.listCandidates(runId, { status: 'running' }).map((c) => c.heartbeatAt ?? 0));
        const age = Date.now() - last;
        if (age < config.staleAfterMs) {
          throw new UsageError(`run ${runId} looks alive in another process (a heartbeat ${Math.round(age / 1000)}s ago); ` +
            `if that process is gone, wait ${Math.ceil((config.staleAfterMs - age) / 1000)}s or pass --force`);
        }
      }
      const space = checkInputs(run, config);
      const workers = flags.workers ?? Math.min(config.workers, defaultWorkers());
      store.transaction(() => {
        store.updateRunStatus(runId, 'running');
        store.addEvent(runId, { level: 'info', kind: 'resumed', message: `resumed (was ${run.status}) with ${workers} workers` });
      });
      const k = store.getRunSummary(runId)!.counts;
      console.log(`resuming run ${runId} (${run.status}): ${k.done} done, ${k.failed} failed, ${k.pending + k.running + k.stale} to (re)run, budget ${config.budget}`);
      const executor = flags.redis
        ? await openQueueForRun(run, config, flags.redis, (e) => store.addEvent(runId, e), flags.queue)
        : undefined;
      return await runSession({ store, runId, space, workers, executor });
    } finally {
      store.close();
    }
  },
};
