import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import type { Command } from '../cli.ts';
import { UsageError, reasonOf } from '../util/errors.ts';

const HELP = `Usage: cellscape explore [--db runs.db] [--port 7070] [--host 127.0.0.1]

Serves the explorer (runs, Pareto fronts, candidates, architecture diagrams) and its JSON API,
reading the database read-only: it can watch a search that is running on the same file.
Listens on the loopback interface unless --host says otherwise.`;

export const command: Command = {
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          db: { type: 'string', default: 'runs.db' },
          port: { type: 'string', default: '7070' },
          host: { type: 'string', default: '127.0.0.1' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      }));
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
    }
    if (values.help) { console.log(HELP); return 0; }
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port: expected a port number 0-65535, got '${values.port}'`);
    }
    if (!existsSync(values.db)) throw new UsageError(`--db: no database at ${values.db} (run \`cellscape search\` first)`);
    // The server pulls in the store only: loaded lazily like every command.
    const { startExplorer, appIsBuilt } = await import('../../explorer/server/server.ts');
    let explorer;
    try {
      explorer = await startExplorer({ dbPath: values.db, port: Number(values.port), host: values.host });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') throw new UsageError(`--port: ${values.port} is in use; pick another with --port`);
      if (e.code === 'EACCES') throw new UsageError(`--port ${values.port}: not allowed to listen there (ports below 1024 need privileges)`);
      if (e.syscall === 'getaddrinfo' || e.code === 'EADDRNOTAVAIL') {
        throw new UsageError(`--host ${values.host}: cannot listen there (${reasonOf(e)})`);
      }
      if (e.message?.startsWith('store:')) throw new UsageError(`--db ${values.db}: ${e.message}`);
      throw err;
    }
    // After the database and the address are found good, so that an error about them is not hidden by this one.
    if (!appIsBuilt()) {
      await explorer.close();
      throw new UsageError('the explorer app is not built: run `npm run build:explorer` (a few seconds), then try again');
    }
    console.log(`Cellscape explorer on ${explorer.url}  (database ${values.db}, read-only; Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const stop = () => { void explorer.close().then(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
