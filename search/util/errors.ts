/** An error in what the user gave (a flag, a file, a field): printed without a stack trace, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A problem of the machine rather than of the request (a file that cannot be written, a host that
 * does not answer, a damaged database): printed without a stack trace, exit 1.
 */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** Memory ran out, or passed the limit the user set: the evaluation fails as 'oom'. */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory', ENOTDIR: 'a part of the path is not a directory', EISDIR: 'is a directory',
  EEXIST: 'already exists', EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EMFILE: 'too many open files', ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long', EIO: 'input/output error', ENOTFOUND: 'host not found', EAI_AGAIN: 'host name lookup failed',
  EADDRNOTAVAIL: 'not an address of this machine', EADDRINUSE: 'address in use', ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'timed out', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable',
};

/** What went wrong in a system call, in words, without the call and path node puts in its message. */
export function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.code && REASONS[e.code]) ?? e?.code ?? (e as Error)?.message ?? String(err);
}

/**
 * One line for an error of the file system, the network or SQLite that reached the command line
 * unexplained, or undefined for anything else (a bug, whose stack helps a report).
 */
export function environmentMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { name?: string };
  if (!e || typeof e !== 'object') return undefined;
  if (e.name === 'SqliteError' || (typeof e.code === 'string' && e.code.startsWith('SQLITE_'))) return `database error: ${e.message}`;
  if (typeof e.syscall === 'string' && typeof e.code === 'string') {
    const where = e.path ?? (e as { hostname?: string }).hostname ?? (e as { address?: string }).address;
    return `${where ? `${where}: ` : ''}${reasonOf(e)} (${e.syscall})`;
  }
  return undefined;
}
