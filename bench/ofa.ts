/**
 * `node --import tsx bench/ofa.ts [--db .cache/bench-ofa/runs.db] [--phase-epochs 1,1,1,2] [--train-images 2000]
 *   [--subnets 4] [--table bench/tables/mobile-blocks.jsonl] [--budget 20] [--targets 3.5,4,4.5,5,6]
 *   [--specialise-budget 8] [--scratch 5] [--scratch-images 10000] [--stages train,lut,fidelity,throughput,specialise,scratch]
 *   [--out bench/data/ofa-small.md]`
 *
 * Once-for-All on mobile-blocks through the CLI, each stage resumable (the database is the state;
 * rerun the same command after a kill) and timed in wall and CPU seconds (/usr/bin/time, children included):
 * 1. `cellscape search --strategy ofa`: the supernet's training curve per phase;
 * 2. `cellscape lut --space mobile-blocks --dataset fashion-mnist`: this machine's latency table;
 * 3. `cellscape fidelity --table T --evaluator oneshot:1`: rank correlation with the reference table;
 * 4. `cellscape search --strategy random --evaluator oneshot:1 --workers 2`: candidates judged per hour;
 * 5. `cellscape specialise --supernet 1 --latency-ms TARGETS --lut LUT`: time to specialise, and
 *    each export's measured latency beside its target;
 * 6. inherited vs scratch: the --scratch subnets the one-shot evaluator ranked highest in stage 4,
 *    trained from scratch at the reference table's recipe and budget (`cellscape reference
 *    --genotypes`, 2 epochs, --scratch-images), against their inherited-weight accuracy on the same
 *    2,000 test images (`cellscape fidelity --evaluator oneshot:1 --split test`), with Spearman.
 * --stages runs only the stages named (the others are reported if an earlier sitting did them).
 * Prints a markdown report (and writes it to --out).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore, type Store } from '../search/store/store.ts';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: '.cache/bench-ofa/runs.db' },
  'phase-epochs': { type: 'string', default: '1,1,1,2' },
  'train-images': { type: 'string', default: '2000' },
  subnets: { type: 'string', default: '4' },
  table: { type: 'string', default: 'bench/tables/mobile-blocks.jsonl' },
  budget: { type: 'string', default: '20' },
  targets: { type: 'string', default: '3.5,4,4.5,5,6' },
  'specialise-budget': { type: 'string', default: '8' },
  scratch: { type: 'string', default: '5' },
  'scratch-images': { type: 'string', default: '10000' },
  stages: { type: 'string', default: 'train,lut,fidelity,throughput,specialise,scratch' },
  out: { type: 'string' },
  /** Only report the stages an earlier sitting finished (a partial report of a run still due). */
  'report-only': { type: 'boolean', default: false },
} });
const STAGES = ['train', 'lut', 'fidelity', 'throughput', 'specialise', 'scratch'];
const stages = values.stages.split(',');
const unknown = stages.find((x) => !STAGES.includes(x));
if (unknown) throw new Error(`--stages: unknown stage '${unknown}' (${STAGES.join(', ')})`);
const run = !values['report-only'];
/** Whether this sitting runs stage `name`. */
const runs = (name: string) => run && stages.includes(name);
const db = values.db;
const work = dirname(db);
const lut = join(work, 'lut-mobile-blocks.json');
const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(work, { recursive: true });

/**
 * Runs a cellscape command under /usr/bin/time; the wall and CPU seconds of each sitting are
 * appended to WORK/NAME.time (a resumed stage costs the sum), its output kept in WORK/NAME.log.
 */
function cellscape(name: string, args: string[]): { wall: number; cpu: number } {
  console.error(`$ cellscape ${args.join(' ')}`);
  const r = spawnSync('/usr/bin/time', ['-a', '-f', '%e %U %S', '-o', join(work, `${name}.time`), process.execPath, '--import', 'tsx', join(root, 'search/cli.ts'), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  writeFileSync(join(work, `${name}.log`), r.stdout);
  if (r.status !== 0 && name !== 'specialise') throw new Error(`cellscape ${args[0]} exited with ${r.status}`);
  return timeOf(name)!;
}

/** The stage's wall and CPU seconds summed over its sittings (lines of /usr/bin/time's output; a killed sitting leaves none). */
function timeOf(name: string): { wall: number; cpu: number } | null {
  const f = join(work, `${name}.time`);
  if (!existsSync(f)) return null;
  const sittings = readFileSync(f, 'utf8').split('\n').map((l) => l.trim().split(' ').map(Number)).filter((v) => v.length === 3 && v.every(Number.isFinite));
  return sittings.length ? { wall: sittings.reduce((a, v) => a + v[0], 0), cpu: sittings.reduce((a, v) => a + v[1] + v[2], 0) } : null;
}

function withStore<T>(f: (s: Store) => T): T {
  const s = openStore(db);
  try { return f(s); } finally { s.close(); }
}

/** Starts a stage's run, or resumes it when an earlier sitting left it unfinished. */
function ensureRun(name: string, strategy: string, start: string[]): number {
  const found = existsSync(db) ? withStore((s) => s.listRuns().find((r) => r.strategy === strategy)) : undefined;
  if (!found) cellscape(name, start);
  else if (found.status !== 'finished') cellscape(name, ['resume', String(found.id), '--force', '--db', db]);
  return withStore((s) => s.listRuns().find((r) => r.strategy === strategy)!.id);
}

const pct = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const secs = (t: { wall: number; cpu: number } | null) => (t ? `${t.wall.toFixed(0)} s wall, ${t.cpu.toFixed(0)} s CPU` : 'not timed: no sitting of this database ran it');

const runOf = (strategy: string): number | undefined => (existsSync(db) ? withStore((s) => s.listRuns().find((r) => r.strategy === strategy && r.status === 'finished')?.id) : undefined);
const supernet = !runs('train') ? runOf('ofa')! : ensureRun('train', 'ofa', ['search', '--strategy', 'ofa', '--space', 'mobile-blocks', '--phase-epochs', values['phase-epochs'],
  '--train-images', values['train-images'], '--subnets', values.subnets, '--seed', '0', '--db', db]);
if (runs('lut') && !existsSync(lut)) cellscape('lut', ['lut', '--space', 'mobile-blocks', '--dataset', 'fashion-mnist', '--samples', '10', '--repeats', '10', '--warmup', '3', '--out', lut]);
type Fidelity = { n: number; spearman: number; kendall: number; top10: number; secondsPerCandidate: number; reference: string };
/**
 * The last fidelity measured against `table` in this database (the evaluator's run with it). The
 * event holds the table's absolute path; a relative `table` also matches its tail, so a database
 * moved with its work directory (or made in another checkout) still finds its measurements.
 */
const fidelityOn = (table: string) => withStore((s) => s.listRuns().filter((r) => r.strategy === 'list')
  .flatMap((r) => s.listEvents(r.id).filter((e) => e.kind === 'fidelity').map((e) => ({ ...(e.data as Fidelity), runId: r.id }))))
  .filter((f) => f.reference === resolve(table) || (!isAbsolute(table) && f.reference.endsWith(`/${normalize(table)}`))).at(-1);
const fidelity = () => fidelityOn(values.table);
if (runs('fidelity') && !fidelity()) cellscape('fidelity', ['fidelity', '--table', values.table, '--evaluator', `oneshot:${supernet}`, '--workers', '2', '--db', db]);
const search = !runs('throughput') ? runOf('random') : ensureRun('throughput', 'random', ['search', '--strategy', 'random', '--space', 'mobile-blocks', '--evaluator', `oneshot:${supernet}`,
  '--budget', values.budget, '--workers', '2', '--latency-runtime', 'none', '--db', db]);
if (runs('specialise') && !timeOf('specialise')) {
  cellscape('specialise', ['specialise', '--supernet', String(supernet), '--latency-ms', values.targets, '--lut', lut, '--budget', values['specialise-budget'],
    '--population', '4', '--sample', '2', '--workers', '2', '--out', join(work, 'specialised'), '--db', db]);
}

const scratchTable = join(work, 'scratch.jsonl');
const scratchGenotypes = join(work, 'scratch-genotypes.json');
if (runs('scratch') && search !== undefined) {
  // The subnets chosen once, by the one-shot accuracy stage 4 measured: a resumed sitting trains the same ones.
  if (!existsSync(scratchGenotypes)) {
    const best = withStore((s) => s.listCandidates(search, { status: 'done' }).sort((a, b) => b.metrics.accuracy! - a.metrics.accuracy!).slice(0, Number(values.scratch)));
    writeFileSync(scratchGenotypes, JSON.stringify(best.map((c) => c.genotype)));
  }
  // The reference table's recipe and budget (bench/tables/README.md, mobile-blocks.jsonl), but for the images; its own database, so the supernet's stays small.
  cellscape('scratch', ['reference', '--space', 'mobile-blocks', '--genotypes', scratchGenotypes, '--recipe', 'sgd-0.1-warm-noaug', '--epochs', '2',
    '--train-images', values['scratch-images'], '--test-images', '2000', '--seed', '0', '--workers', '1', '--out', scratchTable, '--db', join(work, 'scratch.db')]);
  if (!fidelityOn(scratchTable)) {
    cellscape('inherited', ['fidelity', '--table', scratchTable, '--evaluator', `oneshot:${supernet}`, '--split', 'test', '--val-images', '2000', '--workers', '1', '--db', db]);
  }
}

/** Per subnet: its inherited-weight test accuracy (the list run of the fidelity on the scratch table) beside its scratch row. */
function inheritedVsScratch(s: Store): string[] {
  if (!existsSync(scratchTable)) return ['not run yet'];
  const rows = readFileSync(scratchTable, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { arch: string; accuracy: number; params: number; flops: number; trainSeconds?: number });
  const f = fidelityOn(scratchTable);
  const inherited = new Map(f ? s.listCandidates(f.runId, { status: 'done' }).map((c) => [c.key, c.metrics.accuracy!]) : []);
  const rankOf = (xs: number[]) => xs.map((x) => xs.filter((y) => y > x).length + 1);
  const scratchRank = rankOf(rows.map((r) => r.accuracy));
  const inheritedRank = rankOf(rows.map((r) => inherited.get(r.arch) ?? -1));
  return [
    '| subnet | params | MACs | inherited (one-shot, test) | scratch (test) | scratch - inherited | rank inherited / scratch | scratch training s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r, i) => {
      const inh = inherited.get(r.arch);
      return `| ${i + 1} | ${r.params} | ${r.flops} | ${pct(inh)} | ${pct(r.accuracy)} | ${inh == null ? '-' : `${(100 * (r.accuracy - inh)).toFixed(1)} points`} | ${inh == null ? '-' : inheritedRank[i]} / ${scratchRank[i]} | ${r.trainSeconds?.toFixed(0) ?? '-'} |`;
    }),
    '',
    f ? `Spearman (inherited vs scratch, n = ${f.n}): ${f.spearman.toFixed(3)}, Kendall ${f.kendall.toFixed(3)}; inherited scoring ${secs(timeOf('inherited'))}.` : 'inherited accuracies not measured yet',
  ];
}

const report = withStore((s) => {
  const run = s.getRun(supernet)!;
  const epochs = s.listEpochs(supernet, null);
  const notes = s.listEvents(supernet).filter((e) => e.kind === 'ofa-epoch').map((e) => e.data as { epoch: number; phase: string; subnets: { accuracy: number }[] });
  const done = search === undefined ? [] : s.listCandidates(search, { status: 'done' });
  const tp = timeOf('throughput');
  const perCandidate = done.reduce((a, c) => a + (c.metrics.train_seconds ?? 0), 0) / done.length;
  const f = fidelity();
  const lutCheck = existsSync(lut) ? JSON.parse(readFileSync(lut, 'utf8')).check as { samples: number; spearman: number | null } | undefined : undefined;
  const specLog = join(work, 'specialise.log');
  const table = existsSync(specLog) ? readFileSync(specLog, 'utf8').split('\n').filter((l) => l.startsWith('|')) : ['not run yet'];
  return [
    '# Once-for-All on mobile-blocks (small run)',
    '',
    `Made by \`node --import tsx bench/ofa.ts --db ${db} --phase-epochs ${values['phase-epochs']} --train-images ${values['train-images']} --subnets ${values.subnets} --table ${values.table} --budget ${values.budget} --targets ${values.targets} --specialise-budget ${values['specialise-budget']} --scratch ${values.scratch} --scratch-images ${values['scratch-images']} --stages ${values.stages}\``,
    `(database ${db}; a 2-core machine shared with other jobs: CPU seconds are the comparable figure, wall times are inflated by the load).`,
    '',
    `## Supernet training (run ${supernet}: ${run.commandLine})`,
    '',
    `${epochs.length} epochs: ${secs(timeOf('train'))}.`,
    '',
    '| epoch | phase | sampled subnets\' train loss | train acc | watched subnets\' val acc (largest, smallest, random...) | their mean | s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...epochs.map((e) => {
      const n = notes.find((x) => x.epoch === e.epoch);
      return `| ${e.epoch + 1} | ${n?.phase ?? '-'} | ${e.trainLoss?.toFixed(3)} | ${pct(e.trainAccuracy)} | ${n ? n.subnets.map((x) => pct(x.accuracy)).join(', ') : '-'} | ${pct(e.valAccuracy)} | ${e.seconds?.toFixed(0)} |`;
    }),
    '',
    `## Latency table (${lut}): ${secs(timeOf('lut'))}; its check: Spearman ${lutCheck?.spearman?.toFixed(3) ?? '-'} over ${lutCheck?.samples ?? 0} sampled networks`,
    '',
    '## Rank fidelity against the reference table',
    '',
    f ? `${values.table}: n = ${f.n}, Spearman ${f.spearman.toFixed(3)}, Kendall ${f.kendall.toFixed(3)}, top-10 % ${f.top10.toFixed(2)}, ${f.secondsPerCandidate.toFixed(2)} s per candidate; ${secs(timeOf('fidelity'))}.` : 'no fidelity measured',
    '',
    `## Throughput (run ${search ?? '-'}: random search, ${done.length} candidates, 2 workers, latency not measured)`,
    '',
    !done.length ? 'not run yet' : tp ? `${secs(tp)}: ${Math.round((3600 * done.length) / tp.wall)} candidates per hour of wall time, ${Math.round((3600 * done.length) / tp.cpu)} per CPU-hour;` : '',
    !done.length ? '' : `${perCandidate.toFixed(2)} s of evaluator wall time per candidate (extraction, recalibration on 256 images, scoring 1,000 validation images).`,
    '',
    `## Specialisation for ${values.targets.split(',').length} latency targets (budget ${values['specialise-budget']} each): ${secs(timeOf('specialise'))}`,
    '',
    'Predicted: the lookup table\'s sum over the subnet\'s units; measured: the exported network at batch 1 (tfjs, wasm, one thread); test accuracy of the inherited weights (no fine-tuning) on 2,000 test images.',
    '',
    ...table,
    '',
    `## Inherited vs scratch: the ${values.scratch} subnets the one-shot evaluator ranked highest in the throughput search`,
    '',
    `Scratch: \`cellscape reference --genotypes ${scratchGenotypes} --recipe sgd-0.1-warm-noaug --epochs 2 --train-images ${values['scratch-images']} --test-images 2000 --seed 0\``,
    `(the mobile-blocks reference table's recipe${values['scratch-images'] === '10000' ? ' and budget' : `, at ${values['scratch-images']} training images instead of its 10,000`}): ${secs(timeOf('scratch'))}.`,
    `Inherited: \`cellscape fidelity --table ${scratchTable} --evaluator oneshot:${supernet} --split test --val-images 2000\` (the supernet's weights, batch norm recalibrated, no fine-tuning), on the same 2,000 test images.`,
    '',
    ...inheritedVsScratch(s),
  ].join('\n');
});
console.log(report);
if (values.out) writeFileSync(values.out, `${report}\n`);
