import { createRequire } from 'node:module';
import type { Command } from '../cli.ts';

const require = createRequire(import.meta.url);

export const command: Command = {
  summary: 'Print the backend in use, its threads, the data sets present and versions',
  async run() {
    const versions = Object.fromEntries(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].map(
      (p) => [p, (require(`${p}/package.json`) as { version: string }).version]));
    console.log(JSON.stringify({ node: process.version, versions }, null, 2));
    return 0;
  },
};
