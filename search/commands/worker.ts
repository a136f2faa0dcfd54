/**
 * `cellscape worker`: takes evaluation jobs from a search's Redis queue and runs them on this
 * machine, until Ctrl-C or SIGTERM (which let running jobs finish first).
 */
import { z } from 'zod';
import type { Command } from '../cli.ts';
import { parseFlags } from '../run/flags.ts';
import { DEFAULT_QUEUE, exposureWarning, parseRedisUrl } from '../executor/queue-redis.ts';
import { DEFAULT_LEASE_MS, startQueueWorker } from '../executor/queue-worker.ts';

const flagsSchema = z.strictObject({
  redis: z.string({ error: 'required (redis://[:PASSWORD@]HOST:PORT)' }),
  concurrency: z.coerce.number().int().min(1).default(1),
  queue: z.string().regex(/^[^:]+$/, 'must not contain ":"').default(DEFAULT_QUEUE),
  lease: z.coerce.number().positive().default(DEFAULT_LEASE_MS / 1000),
  name: z.string().min(1).optional(),
  help: z.boolean().optional(),
});

const HELP = `Usage: cellscape worker --redis URL [options]

  --redis URL          the search's Redis: redis://[:PASSWORD@]HOST:PORT[/DB] (rediss:// for TLS)
  --concurrency N      jobs run at once, each in its own process (default 1)
  --queue NAME         queue to take jobs from (default ${DEFAULT_QUEUE}; the search's --queue)
  --lease S            seconds a job stays claimed between renewals; after a crash, the job
                       returns to the queue this long after its last renewal (default ${DEFAULT_LEASE_MS / 1000})
  --name TEXT          how results name this machine (default the host name)

Results name the machine and backend they ran on. Latency is not measured on workers.`;

export const command: Command = {
  async run(argv) {
    const { flags: f } = parseFlags(argv, flagsSchema, { booleans: ['help'] });
    if (f.help) { console.log(HELP); return 0; }
    const redis = parseRedisUrl(f.redis);
    const warning = exposureWarning(redis);
    if (warning) console.error(`warning: ${warning}`);
    let lastError = '';
    const worker = await startQueueWorker({
      redis, queue: f.queue, concurrency: f.concurrency, leaseMs: Math.round(f.lease * 1000), name: f.name,
      onError: (err) => {
        // Reconnection errors repeat every retry; say each kind once.
        if (err.message !== lastError) console.error(`worker: ${err.message}`);
        lastError = err.message;
      },
      onJob: (id, outcome) => {
        lastError = '';
        console.log(outcome.ok
          ? `${id}: ${Object.entries(outcome.result.metrics).map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(', ')} (${outcome.result.backend})`
          : `${id}: failed (${outcome.kind}): ${outcome.error}`);
      },
    });
    console.log(`worker ${worker.name}: taking jobs from queue '${f.queue}' at ${redis.where}, ${f.concurrency} at a time`);
    // The first signal lets running jobs finish and report, unless Redis is gone and nothing could
    // be reported; a second one stops at once. Running jobs left behind return to the queue when
    // their lease lapses.
    let signals = 0;
    let forced: () => void = () => {};
    const force = new Promise<void>((resolve) => { forced = resolve; });
    await new Promise<void>((resolve) => {
      const stop = () => {
        if (++signals === 1) {
          console.log(worker.connected() ? 'stopping: finishing running jobs (again to stop now)' : 'stopping now: Redis does not answer');
          resolve();
        } else forced();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    const graceful = worker.connected()
      ? await Promise.race([worker.close().then(() => true), force.then(() => worker.close({ force: true })).then(() => false)])
      : (await worker.close({ force: true }), false);
    // After a forced close BullMQ goes on retrying an unreachable Redis for seconds in the
    // background; nothing is left to wait for (job children end with this process).
    if (!graceful) process.exit(0);
    return 0;
  },
};
