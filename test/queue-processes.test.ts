/**
 * Processes of the queue never outlive their purpose: a job's sandbox child ends with its worker
 * (even while busy), a worker ends promptly on SIGTERM with its Redis gone, and nothing the queue
 * tests started is left running (this file sorts after queue-executor.test.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';
import { redisMissing, startRedis, startWorker } from './queue-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc { pid: number; ppid: number; state: string; cmd: string; cwd: string | undefined }

/** Live processes (zombies left to a PID 1 that does not reap count as gone). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      let cwd: string | undefined;
      try { cwd = readlinkSync(`/proc/${name}/cwd`); } catch { /* another user's */ }
      out.push({ pid: Number(name), ppid: Number(ppid), state, cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '), cwd });
    } catch { /* gone meanwhile */ }
  }
  return out;
}
const alive = (pid: number) => processes().some((p) => p.pid === pid);

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(100)) if (!alive(pid)) return true;
  return !alive(pid);
}

const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

test('a child watching its parent dies with it, even with its main thread busy', async () => {
  const child = join(dir, 'busy-child.ts');
  writeFileSync(child, `import { exitWithParent } from ${JSON.stringify(join(root, 'search/executor/parent-watch.ts'))};
exitWithParent(process.ppid, 100);
console.log(process.pid);
setTimeout(() => { for (;;) {} }, 50); // a training step that never yields\n`);
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e',
    `require('node:child_process').spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(child)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  await sleep(300);
  assert.ok(alive(pid), 'the busy child runs while its parent does');
  parent.kill('SIGKILL');
  await exited(parent);
  assert.ok(await gone(pid, 3000), 'the child ended within 3 s of its parent');
});

const skip = redisMissing();

test('a worker killed mid-job takes its job\'s child with it; a worker whose Redis is gone exits within 10 s of SIGTERM', { skip }, async () => {
  const redis = await startRedis();
  const table = writeNb201Table(dir);
  const search = spawn(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', '--executor', 'queue', '--redis', redis.url,
    '--queue', 'orphans', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--budget', '2',
    '--population', '2', '--sample', '1', '--eval-delay-ms', '60000', '--db', join(dir, 'runs.db')], { cwd: root, stdio: 'ignore' });
  try {
    const worker = await startWorker(redis.url, ['--queue', 'orphans']);
    let sandbox: Proc | undefined;
    for (let i = 0; i < 300 && !sandbox; i++, await sleep(100)) {
      sandbox = processes().find((p) => p.ppid === worker.proc.pid && p.cmd.includes('bullmq'));
    }
    assert.ok(sandbox, 'the worker forked a child for its job');
    await sleep(500); // well into the job's minute
    worker.proc.kill('SIGKILL');
    await exited(worker.proc);
    assert.ok(await gone(sandbox.pid, 3000), 'the job\'s child ended within 3 s of its worker');

    const idle = await startWorker(redis.url, ['--queue', 'idle']);
    await redis.stop();
    await sleep(300);
    const t0 = Date.now();
    idle.proc.kill('SIGTERM');
    await Promise.race([exited(idle.proc), sleep(10_000)]);
    const seconds = (Date.now() - t0) / 1000;
    if (idle.proc.exitCode === null && idle.proc.signalCode === null) idle.proc.kill('SIGKILL');
    assert.ok(seconds < 10, `the worker took ${seconds.toFixed(1)} s to exit after SIGTERM with Redis gone:\n${idle.output()}`);
  } finally {
    search.kill('SIGKILL');
    await exited(search);
    await redis.stop();
  }
});

test('no BullMQ sandbox process of this checkout is left without its worker', async () => {
  await sleep(1500); // a watcher polls every 500 ms
  const orphans = processes().filter((p) => p.ppid === 1 && p.cmd.includes('bullmq') && p.cwd === root.replace(/\/$/, ''));
  assert.deepEqual(orphans.map((p) => `${p.pid}: ${p.cmd}`), []);
});
