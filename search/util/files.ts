/**
 * Files named on the command line, checked before any work is done on them: an input must be a
 * regular file (a FIFO or /dev/zero would block or never end), an output must be writable where
 * it is asked to go, so that a long measurement or training is not lost at the final write.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, reasonOf } from './errors.ts';

/** Above this an input file is certainly not a genotype, space, table or latency table. */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    // ENOTDIR: a file stands where a directory of the path should be; the caller finds which.
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

/** The text of an input file; `what` says what it should hold ("the table", "latency table"). */
export function readInputFile(path: string, what: string): string {
  const cannot = (err: unknown) => new UsageError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? reasonOf(err)})`);
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (err) {
    throw cannot(err);
  }
  if (!stat.isFile()) throw new UsageError(`${path}: not a regular file (expected ${what})`);
  if (stat.size > MAX_INPUT_BYTES) throw new UsageError(`${path}: ${stat.size} bytes is too large for ${what}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw cannot(err);
  }
}

/** Throws a usage error naming the flag unless a file can be created or overwritten at `path`. */
export function checkOutFile(flag: string, path: string): void {
  const existed = statOrUndefined(path);
  if (existed?.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory (expected a file name)`);
  if (existed && !existed.isFile()) throw new UsageError(`${flag} ${path}: not a regular file`);
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot write here (${reasonOf(err)})`);
  }
  if (!existed) rmSync(path, { force: true });
}

/**
 * Makes `path` a directory (with its missing parents) and checks that files can be written in it;
 * a usage error naming the flag otherwise. One level at a time: node's recursive mkdir never
 * returns under /proc.
 */
export function prepareOutDir(flag: string, path: string): void {
  const missing: string[] = [];
  let at = path;
  for (let stat = statOrUndefined(at); !stat; stat = statOrUndefined(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  const existing = statOrUndefined(at);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`${flag} ${path}: ${at === path ? 'exists and is not a directory' : `${at} is not a directory`}`);
  }
  try {
    for (const dir of missing) mkdirSync(dir);
    const probe = join(path, `.cellscape-write-check-${process.pid}`);
    closeSync(openSync(probe, 'wx'));
    rmSync(probe);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot write here (${reasonOf(err)})`);
  }
}
