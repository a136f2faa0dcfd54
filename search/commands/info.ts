import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { UsageError } from '../util/errors.ts';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** The data sets present, from search/data's listing (loaded lazily: it is not needed to pick a backend). */
async function datasets(): Promise<unknown> {
  const { listDatasets } = await import('../data/registry.ts');
  return listDatasets();
}

export const command: Command = {
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values.help) {
      console.log('Usage: cellscape info [--backend tensorflow|wasm|cpu]\n\nThe backend can also be chosen with CELLSCAPE_BACKEND.');
      return 0;
    }
    const { initBackend } = await import('../backend/index.ts');
    let backend;
    try {
      backend = await initBackend({ backend: values.backend });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const packages = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
    const versions = Object.fromEntries(packages.map((p) => [p, versionOf(p)]).filter(([, v]) => v !== null));
    console.log(JSON.stringify({
      backend: { name: backend.name, threads: backend.threads, package: backend.package, version: versionOf(backend.package) },
      node: process.version,
      versions,
      datasets: await datasets(),
    }, null, 2));
    return 0;
  },
};
