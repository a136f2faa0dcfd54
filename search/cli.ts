/**
 * The `cellscape` command line. Each command lives in its own module under commands/ and is
 * imported only when called, so that `cellscape runs` does not pay for loading TensorFlow.js.
 */
import { UsageError } from './util/errors.ts';

export interface Command {
  summary: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<{ command: Command }>> = {
  info: () => import('./commands/info.ts'),
  explore: () => import('./commands/explore.ts'),
  lut: () => import('./commands/lut.ts'),
  search: () => import('./commands/search.ts'),
  resume: () => import('./commands/resume.ts'),
  runs: () => import('./commands/runs.ts'),
  show: () => import('./commands/show.ts'),
  inspect: () => import('./commands/inspect.ts'),
  export: () => import('./commands/export.ts'),
  worker: () => import('./commands/worker.ts'),
};

function usage(): string {
  const lines = ['Usage: cellscape <command> [options]', '', 'Commands:'];
  return lines.join('\n') + '\n' + Object.keys(commands).sort().map((c) => `  ${c}`).join('\n') +
    '\n\nRun `cellscape <command> --help` for the options of a command.';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`cellscape: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`cellscape ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === new URL(process.argv[1], 'file:').href || process.argv[1]?.endsWith('cli.ts')) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
