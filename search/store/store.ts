/**
 * The run store (SQLite through better-sqlite3): the only code that speaks SQL. One writer (the
 * search process) and any number of read-only readers (the explorer) share a file in WAL mode,
 * so readers see the last committed state without blocking the writer. Every state change is
 * one transaction; `transaction(fn)` groups several (e.g. a result and the strategy state that
 * follows from it) so that a crash never leaves one without the other.
 *
 * Each table has its module (runs, candidates and their explorer columns, epochs and snapshots,
 * events, progress, rungs) with a reader and a writer over one shared connection; this file puts them
 * together behind the interfaces of types.ts.
 */
import { openConnection, type Connection } from './connection.ts';
import { candidateReader, candidateWriter } from './candidates.ts';
import { candidateColumnReader } from './candidate-columns.ts';
import { epochReader, epochWriter } from './epochs.ts';
import { eventReader, eventWriter } from './events.ts';
import { progressReader, progressWriter } from './progress.ts';
import { runReader, runWriter } from './runs.ts';
import { rungReader, rungWriter } from './rungs.ts';
import type { OpenOptions, Store, StoreReader } from './types.ts';

export * from './types.ts';
export { migrate } from './migrations.ts';

function reader(c: Connection): StoreReader {
  return {
    path: c.path,
    readonly: c.readonly,
    dataVersion: () => c.pragma('data_version'),
    schemaVersion: () => c.pragma('user_version'),
    ...runReader(c),
    ...candidateReader(c),
    ...candidateColumnReader(c),
    ...epochReader(c),
    ...eventReader(c),
    ...progressReader(c),
    ...rungReader(c),
    close: () => c.close(),
  };
}

/**
 * Opens (creating and migrating) a store to read and write. With `readonly` the connection is
 * read-only: writes throw, no migration runs, and a database at another schema version is refused.
 */
export function openStore(path: string, options: OpenOptions = {}): Store {
  const c = openConnection(path, options);
  return {
    ...reader(c),
    transaction: c.tx,
    ...runWriter(c),
    ...candidateWriter(c),
    ...epochWriter(c),
    ...eventWriter(c),
    ...progressWriter(c),
    ...rungWriter(c),
  };
}

/** A read-only store (the explorer, `show`, `runs`): it cannot write, by its type as well as by SQLite. */
export function openReader(path: string, options: Omit<OpenOptions, 'readonly' | 'now'> = {}): StoreReader {
  return reader(openConnection(path, { ...options, readonly: true }));
}
