/**
 * Real Redis servers and `cellscape worker` processes for the queue tests and bench: each server
 * on its own loopback port with an append-only file in a temp directory, so that it can be
 * stopped and started again with its jobs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'search/cli.ts');

/** Why the queue tests cannot run here, or undefined when they can. */
export const redisMissing = (): string | undefined =>
  spawnSync('redis-server', ['--version']).error ? 'redis-server is not installed (apt-get install redis-server)' : undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisServer {
  url: string;
  /** Stops the server (SIGTERM: it finishes writing its append-only file) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = tempDir('cellscape-redis-');
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const ping = () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
        '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'yes'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !ping(); i++) await sleep(50);
      if (!ping()) throw new Error(`redis-server on port ${port} did not answer`);
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    },
  };
  await server.start();
  return server;
}

export interface WorkerProcess {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the worker has printed `n` finished jobs. */
  jobsDone(n: number): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startWorker(url: string, args: string[] = []): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'worker', '--redis', url, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  for (let i = 0; i < 400 && !/taking jobs/.test(out); i++) {
    if (proc.exitCode !== null) throw new Error(`worker exited: ${out}`);
    await sleep(50);
  }
  if (!/taking jobs/.test(out)) throw new Error(`worker did not start: ${out}`);
  const finished = () => (out.match(/^\S+: (accuracy|failed)/gm) ?? []).length;
  return {
    proc,
    output: () => out,
    async jobsDone(n) {
      while (finished() < n) {
        if (proc.exitCode !== null) throw new Error(`worker exited: ${out}`);
        await sleep(20);
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
