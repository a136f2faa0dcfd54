/**
 * `node --import tsx bench/oneshot.ts [--db .cache/bench-oneshot/runs.db] [--epochs 6] [--train-images 3200]
 *   [--subnets 4] [--tables bench/tables/darts-fmnist-small.jsonl,bench/tables/darts-fmnist-small-x2.jsonl]
 *   [--budget 100] [--out bench/data/oneshot.md]`
 *
 * Weight sharing on darts-fmnist-small, through the CLI, each stage resumable (the database is
 * the state: run the same command again after a kill and it continues where it stopped):
 * 1. SPOS supernet training (`cellscape search --strategy spos`, one process): the per-epoch curve
 *    of the sampled paths and of the watched subnets, and its time;
 * 2. `cellscape fidelity --table T --evaluator oneshot:1 --workers 2` for each table T not yet
 *    measured: the one-shot accuracy's rank correlation with the reference table, and the
 *    evaluator's seconds per candidate;
 * 3. `cellscape search --strategy random --evaluator oneshot:1 --budget B --workers 2
 *    --latency-runtime none`: candidates judged per hour of wall time on 2 workers.
 * Prints a markdown report (and writes it to --out).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore, type Store } from '../search/store/store.ts';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: '.cache/bench-oneshot/runs.db' },
  epochs: { type: 'string', default: '6' },
  'train-images': { type: 'string', default: '3200' },
  subnets: { type: 'string', default: '4' },
  tables: { type: 'string', default: 'bench/tables/darts-fmnist-small.jsonl,bench/tables/darts-fmnist-small-x2.jsonl' },
  budget: { type: 'string', default: '100' },
  out: { type: 'string' },
} });
const db = values.db;
const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(dirname(db), { recursive: true });

function cellscape(args: string[]): void {
  console.error(`$ cellscape ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`cellscape ${args[0]} exited with ${r.status}`);
}

function withStore<T>(f: (s: Store) => T): T {
  const s = openStore(db);
  try { return f(s); } finally { s.close(); }
}

/** Starts the run a stage needs, or resumes it when an earlier sitting left it unfinished. */
function ensureRun(strategy: string, start: string[]): number {
  const found = withStore((s) => s.listRuns().find((r) => r.strategy === strategy));
  if (!found) cellscape(start);
  else if (found.status !== 'finished') cellscape(['resume', String(found.id), '--force', '--db', db]);
  return withStore((s) => s.listRuns().find((r) => r.strategy === strategy)!.id);
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const wall = (r: { startedAt: number | null; finishedAt: number | null }) => ((r.finishedAt ?? 0) - (r.startedAt ?? 0)) / 1000;

const trainArgs = ['--epochs', values.epochs, '--train-images', values['train-images'], '--subnets', values.subnets, '--seed', '0'];
const supernet = ensureRun('spos', ['search', '--strategy', 'spos', ...trainArgs, '--db', db]);
const tables = values.tables.split(',');
type Fidelity = { n: number; spearman: number; kendall: number; top10: number; secondsPerCandidate: number; reference: string };
const fidelities = () => withStore((s) => s.listRuns().filter((r) => r.strategy === 'list').flatMap((r) => s.listEvents(r.id).filter((e) => e.kind === 'fidelity').map((e) => e.data as Fidelity)));
const fidelityOf = (table: string) => fidelities().filter((f) => f.reference === resolve(table)).at(-1);
for (const table of tables) if (!fidelityOf(table)) cellscape(['fidelity', '--table', table, '--evaluator', `oneshot:${supernet}`, '--workers', '2', '--db', db]);
const search = ensureRun('random', ['search', '--strategy', 'random', '--evaluator', `oneshot:${supernet}`, '--budget', values.budget, '--workers', '2', '--latency-runtime', 'none', '--db', db]);

const report = withStore((s) => {
  const run = s.getRun(supernet)!;
  const epochs = s.listEpochs(supernet, null);
  const resumed = (id: number) => s.listEvents(id).some((e) => e.kind === 'resume' || e.kind === 'resumed');
  const sr = s.getRun(search)!;
  const done = s.listCandidates(search, { status: 'done' });
  const perCandidate = done.reduce((a, c) => a + (c.metrics.train_seconds ?? 0), 0) / done.length;
  const lines = [
    '# One-shot (SPOS) weight sharing on darts-fmnist-small',
    '',
    `Made by \`node --import tsx bench/oneshot.ts --epochs ${values.epochs} --train-images ${values['train-images']} --subnets ${values.subnets} --tables ${values.tables} --budget ${values.budget}\``,
    `(database ${db}; machine shared with other jobs, so times are only comparable within this file).`,
    '',
    `## Supernet training (run ${supernet}: ${run.commandLine.replace(/^cellscape /, 'cellscape ')})`,
    '',
    `${epochs.length} epochs in ${(wall(run) / 60).toFixed(1)} min of wall time${resumed(supernet) ? ' (resumed at least once: the wall time includes the pause)' : ''}; per-epoch seconds below.`,
    '',
    '| epoch | paths\' train loss | paths\' train acc | watched subnets\' mean val acc | s |',
    '| --- | --- | --- | --- | --- |',
    ...epochs.map((e) => `| ${e.epoch + 1} | ${e.trainLoss?.toFixed(3)} | ${pct(e.trainAccuracy)} | ${pct(e.valAccuracy)} | ${e.seconds?.toFixed(0)} |`),
    '',
    '## Rank fidelity against the reference tables (bench/tables/README.md: their own noise ceilings)',
    '',
    '| table | n | Spearman | Kendall | top-10 % | s per candidate (one of 2 workers) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...tables.map((t) => {
      const f = fidelityOf(t);
      return f ? `| ${t} | ${f.n} | ${f.spearman.toFixed(3)} | ${f.kendall.toFixed(3)} | ${f.top10.toFixed(2)} | ${f.secondsPerCandidate.toFixed(2)} |` : `| ${t} | no fidelity event found | | | | |`;
    }),
    '',
    `## Throughput (run ${search}: random search, ${done.length} candidates, 2 workers, latency not measured)`,
    '',
    `${(wall(sr) / 60).toFixed(1)} min of wall time${resumed(search) ? ' (resumed: includes the pause)' : ''}: ${Math.round((3600 * done.length) / wall(sr))} candidates per hour on 2 workers;`,
    `${perCandidate.toFixed(2)} s of evaluator time per candidate (recalibration on 256 images and scoring 1,000 validation images).`,
    `Best one-shot accuracy found: ${pct(Math.max(...done.map((c) => c.metrics.accuracy ?? 0)))}.`,
  ];
  return lines.join('\n');
});
console.log(report);
if (values.out) writeFileSync(values.out, `${report}\n`);
