/**
 * `node --import tsx bench/oneshot-throughput.ts [--db .cache/bench-oneshot-throughput/runs.db]
 *   [--budget 100] [--workers 2] [--code DIR] [--label TEXT]`
 *
 * Candidates judged per hour by the one-shot evaluator, as a user gets them: `cellscape search
 * --strategy random --evaluator oneshot:RUN --budget B --workers W --latency-runtime none`, timed
 * from the command's start to its end (wall) and in CPU seconds of the whole process tree
 * (the search and its workers, from the kernel's account of waited-for children; robust to a
 * shared machine's load where the wall time is not). The supernet is a small SPOS run of
 * darts-fmnist-small (1 epoch of 1,600 images, made on the first call and kept in --db): its
 * training does not change the cost of judging a subnet. `--code DIR` runs another checkout's
 * CLI on the same supernet (the code before a change, say) for a before/after in one sitting;
 * each call adds a fresh search run to --db. Prints a markdown table of one row, with the load.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore } from '../search/store/store.ts';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: '.cache/bench-oneshot-throughput/runs.db' },
  budget: { type: 'string', default: '100' },
  workers: { type: 'string', default: '2' },
  code: { type: 'string' },
  label: { type: 'string' },
} });
const db = resolve(values.db);
const here = fileURLToPath(new URL('..', import.meta.url));
const code = resolve(values.code ?? here);
mkdirSync(dirname(db), { recursive: true });

/** CPU seconds (user + system) of this process's waited-for children so far (Linux /proc; fields 16-17 of stat, in clock ticks). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (Number(fields[13]) + Number(fields[14])) / ticks;
}

function cellscape(root: string, args: string[]): { wall: number; cpu: number } {
  console.error(`$ (${root}) cellscape ${args.join(' ')}`);
  const cpu = childrenCpuSeconds(), wall = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), ...args], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  if (r.status !== 0) throw new Error(`cellscape ${args[0]} exited with ${r.status}`);
  return { wall: (performance.now() - wall) / 1000, cpu: childrenCpuSeconds() - cpu };
}

const runs = () => { const s = openStore(db); try { return s.listRuns(); } finally { s.close(); } };
let supernet = runs().find((r) => r.strategy === 'spos' && r.status === 'finished')?.id;
if (supernet === undefined) {
  cellscape(here, ['search', '--strategy', 'spos', '--epochs', '1', '--train-images', '1600', '--subnets', '1', '--seed', '0', '--db', db]);
  supernet = runs().find((r) => r.strategy === 'spos' && r.status === 'finished')!.id;
}
const load = loadavg()[0];
const t = cellscape(code, ['search', '--strategy', 'random', '--evaluator', `oneshot:${supernet}`, '--budget', values.budget, '--workers', values.workers,
  '--latency-runtime', 'none', '--seed', '0', '--db', db]);
const run = runs().filter((r) => r.strategy === 'random').reduce((a, b) => (b.id > a.id ? b : a));
const s = openStore(db);
const done = s.listCandidates(run.id, { status: 'done' });
s.close();
const evaluator = done.reduce((a, c) => a + (c.metrics.train_seconds ?? 0), 0) / done.length;
console.log('| code | search | candidates | workers | wall s | candidates an hour | CPU s a candidate (search and workers, start-up included) | evaluator s a candidate (mean train_seconds) | load (1 min) at start, end |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
console.log(`| ${values.label ?? code} | run ${run.id} | ${done.length} | ${values.workers} | ${t.wall.toFixed(0)} | ${Math.round((3600 * done.length) / t.wall)} | ` +
  `${(t.cpu / done.length).toFixed(2)} | ${evaluator.toFixed(2)} | ${load.toFixed(1)} to ${loadavg()[0].toFixed(1)} |`);
