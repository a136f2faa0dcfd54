#!/usr/bin/env node
// Runs the TypeScript CLI under tsx in a child process, so that worker threads the CLI starts
// inherit the loader through execArgv.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../search/cli.ts', import.meta.url));
// An absolute loader URL: a bare `--import tsx` would be resolved from the user's working directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
// The terminal sends Ctrl-C to the whole process group, so the child already has it: the shim
// only waits. A SIGTERM aimed at the shim alone is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
