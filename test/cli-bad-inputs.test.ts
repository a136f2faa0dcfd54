/**
 * Malformed input at the command line ends in one line naming the flag or file, exit 2 (usage)
 * or 1 (environment), never a stack trace nor a hang: special paths (/proc, FIFOs, a file where a
 * directory is wanted), deeply nested genotypes, a table that does not fit the space. The commands
 * run in this process through main(), as the CLI runs them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellscapeInProcess } from './cli-in-process.ts';
import { openStore } from '../search/store/store.ts';
import { checkDepth } from '../search/util/depth.ts';
import { checkOutFile, prepareOutDir, readInputFile } from '../search/util/files.ts';
import { environmentMessage } from '../search/util/errors.ts';
import { tempDir, writeNb201Table } from './executor-fixtures.ts';

const dir = tempDir();
const table = writeNb201Table(dir);
const file = join(dir, 'file');
writeFileSync(file, 'a plain file\n');
const fifo = join(dir, 'fifo');
spawnSync('mkfifo', [fifo]);
after(() => rmSync(dir, { recursive: true, force: true }));


function assertClear(r: { code: number; err: string }, command: string, names: string): void {
  assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}: ${r.err}`);
  const first = r.err.split('\n')[0];
  assert.ok(first.startsWith(`cellscape ${command}: `), r.err);
  assert.ok(first.includes(names), `'${names}' not named in: ${first}`);
  assert.doesNotMatch(r.err, /internal error|^\s+at /m);
}

test('output paths are checked before any work: a file, /dev/null, a path under a file, /proc, a FIFO', () => {
  for (const bad of [file, '/dev/null', join(file, 'sub'), '/proc/cellscape-x', join('/proc', 'a', 'b')]) {
    assert.throws(() => prepareOutDir('--out', bad), (e: Error) => e.name === 'UsageError' && e.message.startsWith(`--out ${bad}: `), bad);
  }
  const made = join(dir, 'new', 'deeper');
  prepareOutDir('--out', made);
  assert.deepEqual(readdirSync(made), [], 'the write check leaves nothing behind');
  for (const bad of [join(dir, 'nodir', 'lut.json'), dir, fifo, '/proc/lut.json']) {
    assert.throws(() => checkOutFile('--out', bad), (e: Error) => e.name === 'UsageError' && e.message.startsWith(`--out ${bad}: `), bad);
  }
  checkOutFile('--out', join(dir, 'lut.json'));
  assert.equal(existsSync(join(dir, 'lut.json')), false, 'the check does not leave an empty file');
});

test('input files must be regular files: a FIFO, a directory or /dev/zero is refused without reading', () => {
  for (const bad of [fifo, dir, '/dev/zero']) {
    assert.throws(() => readInputFile(bad, 'a genotype'), (e: Error) => e.name === 'UsageError' && e.message.includes('not a regular file'), bad);
  }
  assert.equal(readInputFile(file, 'text'), 'a plain file\n');
});

test('nesting is limited without recursion; system and SQLite errors read as one line', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.throws(() => checkDepth(deep, 'deep.json'), /deep.json: nested deeper than 64 levels/);
  checkDepth({ normal: [['sep_conv_3x3', 0]] }, 'shallow');
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), { code: 'ENOENT', syscall: 'open', path: '/x/y' });
  assert.equal(environmentMessage(enoent), '/x/y: no such file or directory (open)');
  const sqlite = Object.assign(new Error('attempt to write a readonly database'), { name: 'SqliteError', code: 'SQLITE_READONLY' });
  assert.equal(environmentMessage(sqlite), 'database error: attempt to write a readonly database');
  assert.equal(environmentMessage(new TypeError('a bug')), undefined);
});

test('inspect: a deeply nested JSON or Python genotype is an error naming the file', async () => {
  const json = join(dir, 'deep.json');
  const py = join(dir, 'deep.py');
  writeFileSync(json, `{"normal": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  writeFileSync(py, `Genotype(normal=${'['.repeat(100_000)}${']'.repeat(100_000)})`);
  for (const path of [json, py]) {
    const r = await cellscapeInProcess(['inspect', path]);
    assertClear(r, 'inspect', path);
    assert.match(r.err, /nested deeper than/);
  }
  assertClear(await cellscapeInProcess(['inspect', fifo]), 'inspect', fifo);
});

test('lut refuses an --out it could not write before measuring anything', async () => {
  const started = Date.now();
  const r = await cellscapeInProcess(['lut', '--space', 'nb201', '--out', join(dir, 'nodir', 'lut.json')]);
  assertClear(r, 'lut', '--out');
  assert.ok(Date.now() - started < 10_000, 'refused at once, not after measuring');
});

test('explore: a file that is not a database and a host that cannot be listened on', async () => {
  assertClear(await cellscapeInProcess(['explore', '--db', file]), 'explore', '--db');
  assertClear(await cellscapeInProcess(['explore', '--db', fifo]), 'explore', '--db');
  const db = join(dir, 'explore.db');
  openStore(db).close();
  assertClear(await cellscapeInProcess(['explore', '--db', db, '--host', '256.1.1.1']), 'explore', '--host');
});

test('search: the strategy list names darts; --dataset with a table, rows outside the space and a table of another space are refused before a run exists', async () => {
  const db = join(dir, 'runs.db');
  const tableArgs = (path: string, space = 'nb201') => ['search', '--space', space, '--evaluator', `table:${path}`, '--accuracy-col', 'accuracy', '--db', db];
  const strategy = await cellscapeInProcess(['search', '--strategy', 'genetic']);
  assertClear(strategy, 'search', '--strategy');
  assert.match(strategy.err, /darts/);
  assertClear(await cellscapeInProcess([...tableArgs(table), '--dataset', 'cifar10']), 'search', '--dataset');
  const outside = join(dir, 'outside.csv');
  writeFileSync(outside, readFileSync(table, 'utf8') + '|warp~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.5,1,100\n');
  assertClear(await cellscapeInProcess(tableArgs(outside)), 'search', 'outside.csv');
  assertClear(await cellscapeInProcess(tableArgs(table, 'darts-fmnist-small')), 'search', table);
  assert.equal(existsSync(db), false, 'no database, no run was created');
});

test('reference: a --genotypes file that is missing, not JSON, not an array or a table with a bad row is named by the flag, exit 2', async () => {
  const missingTable = join(dir, 'missing.jsonl'), missingJson = join(dir, 'missing.json');
  const notJson = join(dir, 'not.json'), notArray = join(dir, 'object.json'), badRow = join(dir, 'bad-row.jsonl');
  writeFileSync(notJson, '[{"normal": ');
  writeFileSync(notArray, '{"normal": []}');
  writeFileSync(badRow, '{"arch": "x"}\n');
  for (const path of [missingTable, missingJson, notJson, notArray, badRow]) {
    const r = await cellscapeInProcess(['reference', '--space', 'darts-fmnist-small', '--genotypes', path, '--out', join(dir, 'ref.jsonl'), '--db', join(dir, 'reference.db')]);
    assert.equal(r.code, 2, r.err);
    assertClear(r, 'reference', `--genotypes ${path}`);
    assert.ok(r.err.startsWith(`cellscape reference: --genotypes ${path}`), r.err);
  }
});

test('export: --out onto a file, /dev/null, a path under a file or /proc is refused, and nothing hangs', async () => {
  const db = join(dir, 'export.db');
  const r = await cellscapeInProcess(['search', '--space', 'nb201', '--evaluator', `table:${table}`, '--accuracy-col', 'accuracy',
    '--budget', '2', '--population', '2', '--sample', '1', '--workers', '1', '--db', db]);
  assert.equal(r.code, 0, r.err);
  for (const out of [file, '/dev/null', join(file, 'sub'), '/proc/x']) {
    assertClear(await cellscapeInProcess(['export', '1', '--format', 'json', '--out', out, '--db', db]), 'export', '--out');
  }
  mkdirSync(join(dir, 'ok'));
  assert.equal((await cellscapeInProcess(['export', '1', '--format', 'json', '--out', join(dir, 'ok'), '--db', db])).code, 0);
  assert.ok(existsSync(join(dir, 'ok', 'genotype.json')));
});
