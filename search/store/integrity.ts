/**
 * Checks a database file before the store uses it, so that a damaged or read-only file is refused
 * with one line naming it before anything is written (a write into a damaged file can spread the
 * damage; a read-only one would fail halfway through a state change).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { EnvironmentError, reasonOf } from '../util/errors.ts';

/** Why `path` cannot be written by this process (the file, or for WAL its directory), or undefined. */
export function writeProblem(path: string): string | undefined {
  for (const [target, what] of [[path, 'the file'], [dirname(path), 'its directory']] as const) {
    if (target === path && !existsSync(path)) continue;
    try {
      accessSync(target, constants.W_OK);
      if (target !== path && !statSync(target).isDirectory()) return `${target} is not a directory`;
    } catch (err) {
      return `${what} cannot be written (${reasonOf(err)})`;
    }
  }
  return undefined;
}

/**
 * Throws unless `path` is a regular file (or, for a writer, does not exist yet), and unless a
 * writer can write it. Before SQLite opens it: opening a FIFO would block forever.
 */
export function checkFile(path: string, o: { write: boolean }): void {
  if (existsSync(path) && !statSync(path).isFile()) throw new EnvironmentError(`store: ${path} is not a regular file`);
  const problem = o.write ? writeProblem(path) : undefined;
  if (problem) throw new EnvironmentError(`store: ${path}: ${problem}; a search or resume needs to write it`);
}

/** SQLite's quick_check (every page and b-tree, not index contents): throws naming the file unless it passes. */
export function checkIntegrity(db: Database.Database, path: string): void {
  let result: unknown;
  try {
    result = db.pragma('quick_check(1)', { simple: true });
  } catch (err) {
    throw new EnvironmentError(`store: ${path} is not a readable SQLite database (${(err as Error).message})`);
  }
  if (result !== 'ok') throw new EnvironmentError(`store: ${path} is damaged (SQLite quick_check: ${String(result)}); it was left as it was`);
}
