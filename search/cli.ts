/**
 * The `cellscape` command line. Each command lives in its own module under commands/ and is
 * imported only when called, so that `cellscape runs` does not pay for loading TensorFlow.js.
 */
import { EnvironmentError, UsageError, environmentMessage } from './util/errors.ts';

export interface Command {
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

// Summaries live here, not in the command modules, so that the usage text loads none of them.
const commands: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  search: { summary: 'run an evolutionary, multi-objective, random or DARTS architecture search', load: () => import('./commands/search.ts') },
  resume: { summary: 'continue a stopped, failed or killed search run', load: () => import('./commands/resume.ts') },
  runs: { summary: 'list the runs of a database', load: () => import('./commands/runs.ts') },
  show: { summary: 'show a run: configuration, status, Pareto front, failures', load: () => import('./commands/show.ts') },
  explore: { summary: 'serve the visual explorer over a runs database (read-only, live updates)', load: () => import('./commands/explore.ts') },
  inspect: { summary: 'describe a genotype and count the parameters and MACs of its network', load: () => import('./commands/inspect.ts') },
  export: { summary: 'export a candidate as genotype JSON, a trained TF.js model or an ONNX model', load: () => import('./commands/export.ts') },
  reference: { summary: 'train listed or sampled architectures at a stated budget into a reference table (continues the table)', load: () => import('./commands/reference.ts') },
  references: { summary: 'train the named hand-designed architectures of a space into the database, for the explorer\'s plots', load: () => import('./commands/references.ts') },
  scale: { summary: 'EfficientNet compound scaling of a found architecture: grid-search depth/width/resolution coefficients, train the scaled family', load: () => import('./commands/scale.ts') },
  fidelity: { summary: 'measure how well an evaluator and budget rank the architectures of a reference table', load: () => import('./commands/fidelity.ts') },
  table: { summary: 'write a run out as a tabular benchmark (CSV or JSON Lines, with provenance)', load: () => import('./commands/table.ts') },
  lut: { summary: 'measure a per-operation latency table for a space and check how well it ranks networks', load: () => import('./commands/lut.ts') },
  specialise: { summary: 'Once-for-All: for each latency (or MAC, parameter) target, the best subnet of a trained supernet, exported with inherited weights', load: () => import('./commands/specialise.ts') },
  worker: { summary: "take evaluation jobs from a search's Redis queue and run them on this machine", load: () => import('./commands/worker.ts') },
  info: { summary: 'print the backend in use, its threads, the data sets present and versions', load: () => import('./commands/info.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['Usage: cellscape <command> [options]', '', 'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run `cellscape <command> --help` for the options of a command.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`cellscape: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  try {
    const { command } = await entry.load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`cellscape ${name}: ${err.message}`);
      return 2;
    }
    const environment = err instanceof EnvironmentError ? err.message : environmentMessage(err);
    if (environment !== undefined) {
      console.error(`cellscape ${name}: ${environment}`);
      return 1;
    }
    // A bug, not the user's mistake: the stack helps a report. Printed here because the wasm
    // backend's own uncaught-exception handler would print its minified source instead.
    console.error(`cellscape ${name}: internal error: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}

if (import.meta.url === new URL(process.argv[1], 'file:').href || process.argv[1]?.endsWith('cli.ts')) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
