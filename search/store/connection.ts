/**
 * One SQLite connection as the store's modules share it: opened with the pragmas of its role
 * (the writer: WAL, foreign keys, migrated; a reader: read-only and refusing a schema it does
 * not read), with a cache of prepared statements and the store's clock.
 */
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from './migrations.ts';
import { checkFile, checkIntegrity } from './integrity.ts';
import { EnvironmentError } from '../util/errors.ts';
import type { OpenOptions } from './types.ts';

/** A row as better-sqlite3 returns it; each module maps its own to typed objects. */
export type Row = Record<string, any>;

export interface Connection {
  readonly path: string;
  readonly readonly: boolean;
  /** A prepared statement, prepared once per connection. */
  stmt(sql: string): Database.Statement;
  /** fn in one IMMEDIATE write transaction (nested calls join it). */
  tx<T>(fn: () => T): T;
  now(): number;
  pragma(name: string): number;
  close(): void;
}

export function openConnection(path: string, options: OpenOptions = {}): Connection {
  const readonly = options.readonly ?? false;
  checkFile(path, { write: !readonly });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new EnvironmentError(`store: cannot open ${path}${readonly ? ' read-only' : ''}: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    checkIntegrity(db, path); // before the writer's pragmas and migrations write anything
    if (readonly) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== schemaVersion) {
        throw new Error(`store: ${path} is at schema version ${version}, this program reads ${schemaVersion}` +
          (version < schemaVersion ? '; open it once read-write (any cellscape search or runs command) to migrate' : ''));
      }
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (err) {
    db.close();
    throw err;
  }

  // Statements are prepared lazily: a read-only connection cannot prepare writes on some builds,
  // and the explorer needs only the reads.
  const cache = new Map<string, Database.Statement>();
  return {
    path,
    readonly,
    stmt(sql) {
      let s = cache.get(sql);
      if (!s) { s = db.prepare(sql); cache.set(sql, s); }
      return s;
    },
    tx: (fn) => db.transaction(fn).immediate(),
    now: options.now ?? Date.now,
    pragma: (name) => db.pragma(name, { simple: true }) as number,
    close: () => db.close(),
  };
}

/** Throws `store: <what>` when an UPDATE matched no row. */
export function changed(info: Database.RunResult, what: string): void {
  if (info.changes === 0) throw new Error(`store: ${what}`);
}
