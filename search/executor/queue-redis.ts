/**
 * Redis connections for the evaluation queue, from a URL given on the command line
 * (`redis://[:PASSWORD@]HOST:PORT[/DB]`, or `rediss://` for TLS). BullMQ runs under ESM here, where
 * it cannot load ioredis itself, so it is handed ready clients.
 */
import { Redis } from 'ioredis';
import { UsageError } from '../util/errors.ts';

/** Name of the BullMQ queue searches put jobs on and workers take them from. */
export const DEFAULT_QUEUE = 'cellscape';

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[?::1\]?)$/;

export interface RedisTarget {
  url: string;
  /** Host and port, for messages (never the password). */
  where: string;
  /** A password travels in the URL; Redis without one must not be reachable beyond this machine. */
  authenticated: boolean;
  loopback: boolean;
}

export function parseRedisUrl(text: string, flag = '--redis'): RedisTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`${flag} '${text}': not a URL (expected redis://[:PASSWORD@]HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`${flag}: expected a redis:// or rediss:// URL, got ${u.protocol}`);
  if (!u.hostname) throw new UsageError(`${flag}: the URL names no host`);
  return {
    url: text, where: `${u.hostname}:${u.port || 6379}`, authenticated: u.password !== '', loopback: LOOPBACK.test(u.hostname),
  };
}

/** A warning for a connection that suggests an open Redis on the network, or undefined. */
export function exposureWarning(t: RedisTarget): string | undefined {
  if (t.loopback || t.authenticated) return undefined;
  return `Redis at ${t.where} is reached without a password: anyone who can reach that address can run jobs and read results. ` +
    'Set requirepass on the server and put the password in the URL (redis://:PASSWORD@HOST:PORT), and keep the port off public networks.';
}

/**
 * A client BullMQ can use: commands wait through a Redis restart instead of failing
 * (maxRetriesPerRequest null), and reconnection is retried for as long as the process lives.
 */
export function connect(t: RedisTarget, onError: (err: Error) => void = () => {}): Redis {
  const client = new Redis(t.url, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
  // Connection errors are retried by the client; without a listener they would crash the process.
  client.on('error', onError);
  return client;
}
