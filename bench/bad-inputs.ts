/**
 * `node --import tsx bench/bad-inputs.ts [--timeout S] [--only TEXT] [--verbose]`: runs every
 * command of the CLI on malformed input (bad flags, missing, special and corrupted files,
 * read-only databases, unreachable hosts) and classifies each outcome:
 *   clear    exit 1 or 2, a first line `cellscape CMD: ...` naming what the case expects, no stack
 *   unclear  accepted (exit 0), or an error that does not name the flag or file
 *   crash    a stack trace, "internal error", or death by a signal
 *   hang     still running after --timeout seconds (default 60), then killed
 * and, for each case given a database, `damaged` when the command changed the file's bytes.
 * Prints one line per case that is not clear, then the counts. Nothing big is trained: every case
 * must be refused before a search starts, and a table evaluator stands in where one would start.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { writeNb201Table } from '../test/executor-fixtures.ts';

const { values: opts } = parseArgs({ options: { timeout: { type: 'string', default: '60' }, only: { type: 'string' }, verbose: { type: 'boolean' } } });
const timeoutMs = Number(opts.timeout) * 1000;
const cli = new URL('../search/cli.ts', import.meta.url).pathname;
// An absolute loader URL: the commands run in a scratch directory, where a bare `tsx` does not resolve.
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'cellscape-bad-'));
// Root writes read-only files: as root, the commands run as nobody so that read-only means it.
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
const own = (path: string) => { if (asUser) chownSync(path, asUser.uid, asUser.gid); };
own(dir);
const at = (name: string) => join(dir, name);

type Outcome = 'clear' | 'unclear' | 'crash' | 'hang';
interface Case {
  /** Command-line arguments; `{db}` is replaced by a fresh copy of the database variant given. */
  args: string[];
  /** A word the first error line must contain: the flag or file the error is about (for --db, the file will do). */
  names: string;
  db?: DbVariant;
}
type DbVariant = 'good' | 'failed-run' | 'truncated' | 'overwritten' | 'header-zeroed' | 'readonly' | 'text' | 'empty';

function run(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, cli, ...args], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...asUser });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stderr, stdout, timedOut }); });
  });
}

function classify(name: string, names: string[], r: Awaited<ReturnType<typeof run>>): { outcome: Outcome; why: string } {
  if (r.timedOut) return { outcome: 'hang', why: `no exit in ${timeoutMs / 1000}s` };
  const first = r.stderr.split('\n').find((l) => l.trim()) ?? '';
  if (r.signal) return { outcome: 'crash', why: `killed by ${r.signal}: ${first}` };
  if (/internal error|^\s+at .+[:(]\d+:\d+\)?$/m.test(r.stderr)) return { outcome: 'crash', why: first };
  if (r.code === 0) return { outcome: 'unclear', why: 'accepted (exit 0)' };
  if (r.code !== 1 && r.code !== 2) return { outcome: 'crash', why: `exit ${r.code}: ${first}` };
  if (!first.startsWith(name ? `cellscape ${name}:` : 'cellscape:') || !names.some((n) => first.includes(n))) return { outcome: 'unclear', why: `exit ${r.code}: ${first || '(no message)'}` };
  return { outcome: 'clear', why: first };
}

const sha = (path: string) => (existsSync(path) && statSync(path).isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'none');

// ---- fixtures -------------------------------------------------------------------------------
const table = writeNb201Table(dir);
own(table);
const tableArgs = ['--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--latency-col', 'latency_ms', '--params-col', 'params'];
const setup = await run(['search', ...tableArgs, '--budget', '6', '--population', '4', '--sample', '2', '--workers', '1', '--db', at('good.db')]);
if (setup.code !== 0) throw new Error(`setup search failed: ${setup.stderr}`);
copyFileSync(at('good.db'), at('failed-run.db'));
{
  const db = new Database(at('failed-run.db'));
  db.prepare("UPDATE runs SET status = 'failed'").run();
  db.prepare("UPDATE candidates SET status = 'running' WHERE id = (SELECT max(id) FROM candidates)").run();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
const good = readFileSync(at('failed-run.db'));
const page = 4096;
const variants: Record<DbVariant, () => Buffer | string> = {
  'good': () => readFileSync(at('good.db')),
  'failed-run': () => good,
  'truncated': () => good.subarray(0, Math.floor(good.length / 2 / page) * page + 100),
  'overwritten': () => { const b = Buffer.from(good); for (let i = page; i < b.length - page; i += 7) b[i] = (i * 31) & 255; return b; },
  'header-zeroed': () => { const b = Buffer.from(good); b.fill(0, 0, 100); return b; },
  'readonly': () => good,
  'text': () => 'id,name\n1,not a database\n',
  'empty': () => '',
};
let copies = 0;
function dbCopy(v: DbVariant): string {
  const path = at(`case-${++copies}-${v}.db`);
  writeFileSync(path, variants[v]());
  if (v === 'readonly') chmodSync(path, 0o444);
  else own(path);
  return path;
}

writeFileSync(at('file'), 'a plain file\n');
mkdirSync(at('subdir'));
mkdirSync(at('locked'));
chmodSync(at('locked'), 0o555);
writeFileSync(at('bad.json'), '{"normal": [');
writeFileSync(at('deep.json'), `{"normal": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
writeFileSync(at('deep.py'), `Genotype(normal=${'['.repeat(200_000)}${']'.repeat(200_000)})`);
writeFileSync(at('deep-wrapped.json'), JSON.stringify({ genotype: JSON.stringify({ genotype: JSON.stringify({ genotype: '|'.repeat(10) }) }) }));
writeFileSync(at('unknown-op.json'), JSON.stringify({ normal: [['warp_drive', 0], ['skip_connect', 1]], normal_concat: [2], reduce: [['skip_connect', 0], ['skip_connect', 1]], reduce_concat: [2] }));
writeFileSync(at('bad-node.json'), JSON.stringify({ normal: [['skip_connect', 9], ['skip_connect', 1]], normal_concat: [2], reduce: [['skip_connect', 0], ['skip_connect', 1]], reduce_concat: [2] }));
writeFileSync(at('blocks.json'), JSON.stringify({ stages: [] }));
writeFileSync(at('not-genotype.json'), JSON.stringify({ hello: 1 }));
writeFileSync(at('space-bad.json'), '{"name": "x", "family": "cell"');
writeFileSync(at('space-invalid.json'), JSON.stringify({ name: 'x', family: 'cell', cell: { nodes: -1 } }));
writeFileSync(at('table-outside.csv'), readFileSync(table, 'utf8') + '|warp~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.5,1,100\n');
writeFileSync(at('table-other-space.csv'), 'arch,accuracy\n"{""normal"":[]}",0.5\n');
writeFileSync(at('table-empty.csv'), '');
writeFileSync(at('table-badnum.csv'), readFileSync(table, 'utf8').replace(/\n(\|[^,]+),[^,]+,/, '\n$1,abc,'));
writeFileSync(at('lut-bad.json'), '{"version": 1}');
writeFileSync(at('lut-notjson.json'), 'not json');
// A FIFO nobody writes to: reading it blocks forever unless a command refuses non-regular files.
const fifo = at('fifo');
await new Promise<void>((resolve) => spawn('mkfifo', [fifo]).on('close', () => resolve()));
for (const f of ['file', 'subdir', 'bad.json', 'fifo']) own(at(f));
// A port in use, for explore --port.
const busy = createServer().listen(0, '127.0.0.1');
await new Promise((r) => busy.once('listening', r));
const busyPort = String((busy.address() as { port: number }).port);

// ---- cases ----------------------------------------------------------------------------------
const T = tableArgs;
const cases: Case[] = [
  // search: flags
  { args: ['search', '--budget', '0', ...T], names: '--budget' },
  { args: ['search', '--budget', 'many', ...T], names: '--budget' },
  { args: ['search', '--strategy', 'genetic', ...T], names: '--strategy' },
  { args: ['search', '--space', 'nosuch'], names: 'nosuch' },
  { args: ['search', '--space', at('file')], names: 'file' },
  { args: ['search', '--space', at('space-bad.json')], names: 'space-bad.json' },
  { args: ['search', '--space', at('space-invalid.json')], names: 'space-invalid.json' },
  { args: ['search', '--space', at('subdir')], names: 'subdir' },
  { args: ['search', '--space', fifo], names: 'fifo' },
  { args: ['search', '--space', '/dev/zero'], names: '/dev/zero' },
  { args: ['search', ...T, '--dataset', 'cifar10'], names: '--dataset' },
  { args: ['search', '--dataset', 'nosuch', '--budget', '1'], names: '--dataset' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + at('nosuch.csv'), '--accuracy-col', 'accuracy'], names: 'nosuch.csv' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + at('subdir'), '--accuracy-col', 'accuracy'], names: 'subdir' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + fifo, '--accuracy-col', 'accuracy'], names: 'fifo' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + at('table-empty.csv'), '--accuracy-col', 'accuracy'], names: 'table-empty.csv' },
  { args: ['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'nosuch'], names: 'nosuch' },
  { args: ['search', '--space', 'nb201', '--evaluator', `table:${table}`], names: '--accuracy-col' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + at('table-outside.csv'), '--accuracy-col', 'accuracy', '--db', '{db}'], names: 'table-outside.csv', db: 'good' },
  { args: ['search', '--space', 'nb201', '--evaluator', 'table:' + at('table-badnum.csv'), '--accuracy-col', 'accuracy', '--db', '{db}'], names: 'table-badnum.csv', db: 'good' },
  { args: ['search', '--space', 'darts-fmnist-small', '--evaluator', 'table:' + at('table-other-space.csv'), '--accuracy-col', 'accuracy', '--db', '{db}'], names: 'table-other-space.csv', db: 'good' },
  { args: ['search', '--space', 'darts-fmnist-small', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--db', '{db}'], names: table.split('/').pop()!, db: 'good' },
  { args: ['search', '--evaluator', 'magic'], names: '--evaluator' },
  { args: ['search', '--accuracy-col', 'accuracy', '--budget', '1'], names: '--accuracy-col' },
  { args: ['search', '--latency-runtime', 'lut:' + at('nosuch.json'), '--budget', '1'], names: 'nosuch.json' },
  { args: ['search', '--latency-runtime', 'lut:' + at('lut-bad.json'), '--budget', '1'], names: 'lut-bad.json' },
  { args: ['search', '--latency-runtime', 'lut:' + at('lut-notjson.json'), '--budget', '1'], names: 'lut-notjson.json' },
  { args: ['search', '--latency-runtime', 'lut:' + fifo, '--budget', '1'], names: 'fifo' },
  { args: ['search', '--latency-runtime', 'stopwatch'], names: '--latency-runtime' },
  { args: ['search', ...T, '--db', at('subdir')], names: 'subdir' },
  { args: ['search', ...T, '--db', at('file') + '/runs.db'], names: '--db' },
  { args: ['search', ...T, '--db', at('nodir') + '/runs.db'], names: '--db' },
  { args: ['search', ...T, '--db', '/proc/cellscape.db'], names: '--db' },
  { args: ['search', ...T, '--db', at('locked') + '/runs.db'], names: '--db' },
  { args: ['search', ...T, '--db', '{db}'], names: '--db', db: 'readonly' },
  { args: ['search', ...T, '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['search', ...T, '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['search', ...T, '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['search', ...T, '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['search', ...T, '--objectives', 'beauty'], names: '--objectives' },
  { args: ['search', ...T, '--score', 'mnasnet'], names: '--score' },
  { args: ['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy', '--max-latency', '3'], names: '--max-latency' },
  { args: ['search', ...T, '--population', '4', '--sample', '9'], names: '--sample' },
  { args: ['search', ...T, '--stale-after', '0.1'], names: '--stale-after' },
  { args: ['search', ...T, '--backend', 'quantum'], names: '--backend' },
  { args: ['search', ...T, '--max-memory', '1'], names: '--max-memory' },
  { args: ['search', ...T, '--crossover', '2'], names: '--crossover' },
  { args: ['search', ...T, '--seed', '-1'], names: '--seed' },
  { args: ['search', ...T, '--workers', '0'], names: '--workers' },
  { args: ['search', ...T, '--max-attempts', '0'], names: '--max-attempts' },
  { args: ['search', ...T, '--time-limit', '-5'], names: '--time-limit' },
  { args: ['search', ...T, '--bogus'], names: '--bogus' },
  { args: ['search', ...T, 'extra'], names: 'extra' },
  { args: ['search', ...T, '--executor', 'queue'], names: '--redis' },
  { args: ['search', ...T, '--executor', 'queue', '--redis', 'http://example'], names: '--redis' },
  { args: ['search', ...T, '--executor', 'carrier-pigeon'], names: '--executor' },
  { args: ['search', '--strategy', 'darts', '--epochs', '0'], names: '--epochs' },
  { args: ['search', '--strategy', 'darts', '--space', 'nb201'], names: 'nb201' },
  { args: ['search', '--strategy', 'darts', '--space', at('space-bad.json')], names: 'space-bad.json' },
  { args: ['search', '--strategy', 'darts', '--bogus'], names: '--bogus' },
  { args: ['search', '--strategy', 'darts', '--db', '{db}', '--epochs', '1', '--train-images', '16', '--val-images', '16'], names: '--db', db: 'readonly' },
  { args: ['search', '--strategy', 'darts', '--db', '{db}', '--epochs', '1', '--train-images', '16', '--val-images', '16'], names: '--db', db: 'header-zeroed' },
  // resume
  { args: ['resume'], names: 'run id' },
  { args: ['resume', 'abc'], names: 'RUN' },
  { args: ['resume', '99', '--db', '{db}'], names: '99', db: 'failed-run' },
  { args: ['resume', '1', '--db', at('nosuch.db')], names: '--db' },
  { args: ['resume', '1', '--db', at('subdir')], names: '--db' },
  { args: ['resume', '1', '--db', fifo], names: '--db' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'readonly' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['resume', '1', '--db', '{db}'], names: '--db', db: 'empty' },
  { args: ['resume', '1', '--db', '{db}'], names: 'finished', db: 'good' },
  { args: ['resume', '1', '--db', '{db}', '--workers', '0'], names: '--workers', db: 'failed-run' },
  { args: ['resume', '1', '--db', '{db}', '--redis', 'http://x'], names: '--redis', db: 'failed-run' },
  { args: ['resume', '1', '--db', '{db}', '--bogus'], names: '--bogus', db: 'failed-run' },
  // runs
  { args: ['runs', '--db', at('nosuch.db')], names: '--db' },
  { args: ['runs', '--db', at('subdir')], names: '--db' },
  { args: ['runs', '--db', fifo], names: '--db' },
  { args: ['runs', '--db', '/dev/null'], names: '--db' },
  { args: ['runs', '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['runs', '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['runs', '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['runs', '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['runs', '--json=yes'], names: '--json' },
  { args: ['runs', 'extra'], names: 'extra' },
  // show
  { args: ['show'], names: 'run id' },
  { args: ['show', '0'], names: 'RUN' },
  { args: ['show', '1', '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['show', '1', '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['show', '1', '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['show', '1', '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['show', '1', '--db', '{db}'], names: '--db', db: 'empty' },
  { args: ['show', '1', '--db', fifo], names: '--db' },
  { args: ['show', '7', '--db', '{db}'], names: '7', db: 'good' },
  { args: ['show', '1', '2', '--db', '{db}'], names: '2', db: 'good' },
  // export
  { args: ['export', '1', '--format', 'json', '--out', at('file'), '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'json', '--out', '/dev/null', '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'json', '--out', at('file') + '/sub', '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'json', '--out', '/proc/x', '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'json', '--out', at('locked') + '/out', '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'json', '--out', at('locked'), '--db', '{db}'], names: '--out', db: 'good' },
  { args: ['export', '1', '--format', 'pdf', '--out', at('x')], names: '--format' },
  { args: ['export', '1', '--format', 'json'], names: '--out' },
  { args: ['export', '--format', 'json', '--out', at('x')], names: 'RUN' },
  { args: ['export', '9', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '9', db: 'good' },
  { args: ['export', '1', '--candidate', '999', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '999', db: 'good' },
  { args: ['export', '1', '--front-index', '99', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '99', db: 'good' },
  { args: ['export', '1', '--best', '--candidate', '1', '--format', 'json', '--out', at('x')], names: '--candidate' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--db', fifo], names: '--db' },
  { args: ['export', '1', '--format', 'json', '--out', at('x'), '--optimizer', 'sgd'], names: '--optimizer' },
  // inspect
  { args: ['inspect'], names: 'GENOTYPE' },
  { args: ['inspect', at('bad.json')], names: 'bad.json' },
  { args: ['inspect', at('deep.json')], names: 'deep.json' },
  { args: ['inspect', at('deep.py')], names: 'deep.py' },
  { args: ['inspect', at('deep-wrapped.json')], names: 'deep-wrapped.json' },
  { args: ['inspect', at('unknown-op.json')], names: 'unknown-op.json' },
  { args: ['inspect', at('bad-node.json')], names: 'bad-node.json' },
  { args: ['inspect', at('blocks.json')], names: 'blocks.json' },
  { args: ['inspect', at('not-genotype.json')], names: 'not-genotype.json' },
  { args: ['inspect', at('subdir')], names: 'subdir' },
  { args: ['inspect', fifo], names: 'fifo' },
  { args: ['inspect', '/dev/zero'], names: '/dev/zero' },
  { args: ['inspect', '/dev/null'], names: '/dev/null' },
  { args: ['inspect', 'NOT_A_GENOTYPE'], names: 'NOT_A_GENOTYPE' },
  { args: ['inspect', '|nor_conv_3x3~0|+|'], names: 'argument' },
  { args: ['inspect', '|warp~0|+|none~0|none~1|+|none~0|none~1|none~2|'], names: 'argument' },
  { args: ['inspect', 'Genotype(normal=[(1, 2, 3'], names: 'argument' },
  { args: ['inspect', 'DARTS_V2', '--space', 'nb201'], names: 'nb201' },
  { args: ['inspect', 'DARTS_V2', '--space', at('nosuch.json')], names: 'nosuch.json' },
  { args: ['inspect', 'DARTS_V2', '--space', at('space-invalid.json')], names: 'space-invalid.json' },
  { args: ['inspect', 'DARTS_V2', '--wat'], names: '--wat' },
  // lut (every case must be refused before measuring)
  { args: ['lut', '--space', 'darts-fmnist-small', '--out', at('nodir') + '/lut.json', '--samples', '0', '--repeats', '1', '--warmup', '0'], names: '--out' },
  { args: ['lut', '--space', 'darts-fmnist-small', '--out', at('subdir'), '--samples', '0', '--repeats', '1', '--warmup', '0'], names: '--out' },
  { args: ['lut', '--space', 'darts-fmnist-small', '--out', at('file') + '/lut.json', '--samples', '0', '--repeats', '1', '--warmup', '0'], names: '--out' },
  { args: ['lut', '--space', 'darts-fmnist-small', '--out', '/proc/lut.json', '--samples', '0', '--repeats', '1', '--warmup', '0'], names: '--out' },
  { args: ['lut', '--space', 'darts-fmnist-small', '--out', at('locked') + '/lut.json', '--samples', '0', '--repeats', '1', '--warmup', '0'], names: '--out' },
  { args: ['lut', '--space', 'mobile-blocks', '--out', at('lut.json')], names: 'mobile-blocks' },
  { args: ['lut'], names: '--space' },
  { args: ['lut', '--space', 'nosuch'], names: 'nosuch' },
  { args: ['lut', '--space', 'nb201', '--repeats', '0'], names: '--repeats' },
  { args: ['lut', '--space', 'nb201', '--samples', '-1'], names: '--samples' },
  { args: ['lut', '--space', 'nb201', '--backend', 'abacus'], names: '--backend' },
  // explore (a case that starts the server would hang: each must be refused)
  { args: ['explore', '--db', '{db}'], names: '--db', db: 'text' },
  { args: ['explore', '--db', '{db}'], names: '--db', db: 'truncated' },
  { args: ['explore', '--db', '{db}'], names: '--db', db: 'header-zeroed' },
  { args: ['explore', '--db', '{db}'], names: '--db', db: 'overwritten' },
  { args: ['explore', '--db', '{db}'], names: '--db', db: 'empty' },
  { args: ['explore', '--db', at('subdir')], names: '--db' },
  { args: ['explore', '--db', fifo], names: '--db' },
  { args: ['explore', '--db', at('nosuch.db')], names: '--db' },
  { args: ['explore', '--db', '{db}', '--host', '256.1.1.1'], names: '--host', db: 'good' },
  { args: ['explore', '--db', '{db}', '--host', 'no-such-host.invalid'], names: '--host', db: 'good' },
  { args: ['explore', '--db', '{db}', '--host', '192.0.2.1'], names: '--host', db: 'good' },
  { args: ['explore', '--db', '{db}', '--port', '99999'], names: '--port', db: 'good' },
  { args: ['explore', '--db', '{db}', '--port', busyPort], names: '--port', db: 'good' },
  { args: ['explore', '--db', '{db}', '--port', 'http'], names: '--port', db: 'good' },
  { args: ['explore', '--verbose'], names: '--verbose' },
  // worker
  { args: ['worker'], names: '--redis' },
  { args: ['worker', '--redis', 'http://localhost'], names: '--redis' },
  { args: ['worker', '--redis', 'redis://'], names: '--redis' },
  { args: ['worker', '--redis', 'redis://127.0.0.1:6379', '--concurrency', '0'], names: '--concurrency' },
  { args: ['worker', '--redis', 'redis://127.0.0.1:6379', '--queue', 'a:b'], names: '--queue' },
  { args: ['worker', '--redis', 'redis://127.0.0.1:6379', '--lease', '-1'], names: '--lease' },
  // others
  { args: ['info', '--bogus'], names: '--bogus' },
  { args: ['frobnicate'], names: 'frobnicate' },
];

// ---- run ------------------------------------------------------------------------------------
const counts: Record<Outcome | 'damaged', number> = { clear: 0, unclear: 0, crash: 0, hang: 0, damaged: 0 };
let ran = 0;
try {
  for (const c of cases) {
    const label = c.args.join(' ').replaceAll(dir + '/', '');
    if (opts.only && !label.includes(opts.only)) continue;
    const db = c.db ? dbCopy(c.db) : undefined;
    const args = c.args.map((a) => (db && a === '{db}' ? db : a));
    const before = db ? sha(db) : '';
    const r = await run(args);
    const name = args[0] in { search: 1, resume: 1, runs: 1, show: 1, export: 1, inspect: 1, lut: 1, explore: 1, worker: 1, info: 1 } ? args[0] : '';
    // An error about --db may name the file instead of the flag.
    const dbArg = args[args.indexOf('--db') + 1];
    const { outcome, why } = classify(name, c.names === '--db' && dbArg ? ['--db', dbArg] : [c.names], r);
    const damaged = db !== undefined && sha(db) !== before;
    counts[outcome]++;
    if (damaged) counts.damaged++;
    ran++;
    if (outcome !== 'clear' || damaged || opts.verbose) {
      console.log(`${outcome.padEnd(7)}${damaged ? ' DAMAGED' : ''}  ${label}${c.db ? ` [${c.db}]` : ''}\n         ${why.replaceAll(dir + '/', '').slice(0, 300)}`);
    }
  }
} finally {
  busy.close();
  chmodSync(at('locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n${ran} malformed inputs: ${counts.clear} clear (${((100 * counts.clear) / ran).toFixed(0)} %), ${counts.unclear} unclear, ` +
  `${counts.crash} crash, ${counts.hang} hang; ${counts.damaged} damaged databases`);
