/**
 * A damaged or read-only database is refused before anything is written to it: copies corrupted
 * three ways (header zeroed, pages overwritten, truncated) and a file this user cannot write,
 * opened by the store and by the commands that read or resume.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellscapeInProcess } from './cli-in-process.ts';
import { openStore } from '../search/store/store.ts';
import { createRng } from '../search/util/rng.ts';
import { writeSampleRun } from '../explorer/sample-runs.ts';
import { tempDir } from './executor-fixtures.ts';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.db');
{
  const store = openStore(good);
  writeSampleRun(store, { candidates: 300, seed: 3 });
  store.close();
}
const bytes = readFileSync(good);
const PAGE = 4096;
assert.ok(bytes.length > 8 * PAGE, 'the sample database spans enough pages to damage');

const damaged: Record<string, Buffer> = {
  'header zeroed': Buffer.concat([Buffer.alloc(100), bytes.subarray(100)]),
  'pages overwritten': Buffer.from(Buffer.from(bytes).map((b, i) => (i > 2 * PAGE && i < bytes.length - PAGE && i % 5 === 0 ? (i * 31) & 255 : b))),
  'second half cut off': bytes.subarray(0, Math.floor(bytes.length / 2 / PAGE) * PAGE + 100),
};

for (const [how, content] of Object.entries(damaged)) {
  test(`a database with its ${how} is refused by the store, resume, runs and show, and left as it was`, async () => {
    const path = join(dir, `${how.replace(/ /g, '-')}.db`);
    writeFileSync(path, content);
    for (const readonly of [true, false]) {
      assert.throws(() => openStore(path, { readonly }), (e: Error) =>
        e.name === 'EnvironmentError' && e.message.includes(path) && /damaged|not a readable SQLite database/.test(e.message));
    }
    for (const args of [['resume', '1'], ['runs'], ['show', '1'], ['export', '1', '--format', 'json', '--out', join(dir, 'out')]]) {
      const r = await cellscapeInProcess([...args, '--db', path]);
      assert.equal(r.code, 1, `${args[0]}: ${r.err}`);
      assert.match(r.err.split('\n')[0], new RegExp(`^cellscape ${args[0]}: --db .*(damaged|not a readable SQLite database)`));
      assert.doesNotMatch(r.err, /internal error|^\s+at /m);
    }
    assert.ok(readFileSync(path).equals(content), 'not a byte written');
  });
}

test('resume refuses a database it cannot write before writing anything; runs still lists it', (t) => {
  const path = join(dir, 'readonly.db');
  copyFileSync(good, path);
  // Root writes whatever the mode says: as root, the commands run as nobody.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  const cli = fileURLToPath(new URL('../search/cli.ts', import.meta.url));
  // A checkout in a private directory (mktemp -d makes it 0700) is out of nobody's reach.
  if (asUser && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(cli)})`], asUser).status !== 0) {
    t.skip(`as root this runs the commands as nobody, who cannot read ${cli}`);
    return;
  }
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  chmodSync(path, 0o444);
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), cli, ...args, '--db', path],
    { cwd: dir, encoding: 'utf8', timeout: 60_000, ...asUser });
  const resume = run(['resume', '1', '--force']);
  assert.equal(resume.status, 1, resume.stderr);
  assert.match(resume.stderr, /^cellscape resume: --db .*readonly\.db.*cannot be written/);
  const runs = run(['runs']);
  assert.equal(runs.status, 0, runs.stderr);
  assert.match(runs.stdout, /evolution/);
  assert.ok(readFileSync(path).equals(bytes), 'not a byte written');
});
