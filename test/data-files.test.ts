import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadCifar10Dir } from '../search/data/cifar10.ts';
import { loadImageFolder } from '../search/data/image-folder.ts';
import { loadDataset } from '../search/data/registry.ts';

const root = mkdtempSync(join(tmpdir(), 'cellscape-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** One CIFAR record whose pixel (y,x) has red y, green x, blue `tag`. */
function cifarRecord(label: number, tag: number): Buffer {
  const rec = Buffer.alloc(3073);
  rec[0] = label;
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    rec[1 + y * 32 + x] = y;
    rec[1 + 1024 + y * 32 + x] = x;
    rec[1 + 2048 + y * 32 + x] = tag;
  }
  return rec;
}

function cifarDir(name: string, files: Record<string, Buffer>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
  return dir;
}

const batch = (labels: number[], tag0: number): Buffer => Buffer.concat(labels.map((l, i) => cifarRecord(l, tag0 + i)));

test('CIFAR-10 binary batches load in file order, channel-planar to NHWC', () => {
  const dir = cifarDir('cifar-ok', {
    'data_batch_1.bin': batch([3, 1, 4], 10),
    'data_batch_2.bin': batch([1, 5], 20),
    'test_batch.bin': batch([9, 2], 30),
  });
  const { train, test: testPool } = loadCifar10Dir(dir);
  assert.deepEqual(train.shape, [32, 32, 3]);
  assert.deepEqual([...train.labels], [3, 1, 4, 1, 5]);
  assert.deepEqual([...testPool.labels], [9, 2]);
  const px = (img: number, y: number, x: number): number[] => [...train.images.subarray((img * 1024 + y * 32 + x) * 3, (img * 1024 + y * 32 + x) * 3 + 3)];
  assert.deepEqual(px(0, 5, 7), [5, 7, 10]);
  assert.deepEqual(px(3, 31, 0), [31, 0, 20]);
  const d = loadDataset('cifar10', { dir, valFraction: 0.4 });
  assert.deepEqual(d.provenance.counts, { train: 3, val: 2, test: 2 });
  assert.equal(d.classNames[3], 'cat');
});

test('a truncated CIFAR-10 file is named, with the broken record', () => {
  const dir = cifarDir('cifar-short', { 'data_batch_1.bin': batch([0, 1, 2], 0).subarray(0, 3073 * 2 + 100), 'test_batch.bin': batch([0], 0) });
  assert.throws(() => loadCifar10Dir(dir), (err: Error) => {
    assert.equal(err.name, 'UsageError');
    assert.match(err.message, /data_batch_1\.bin: truncated: record 2 has 100 of 3073 bytes/);
    return true;
  });
});

test('a CIFAR-10 label out of range names file and record; missing files name the directory', () => {
  const bad = batch([0, 1], 0);
  bad[3073] = 12;
  const dir = cifarDir('cifar-label', { 'data_batch_1.bin': batch([0], 0), 'test_batch.bin': bad });
  assert.throws(() => loadCifar10Dir(dir), /test_batch\.bin: record 1: label 12 is not in 0\.\.9/);
  const noTest = cifarDir('cifar-notest', { 'data_batch_1.bin': batch([0], 0) });
  assert.throws(() => loadCifar10Dir(noTest), /cifar-notest is not a CIFAR-10 binary directory/);
});

function writePng(file: string, w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [r, g, b] = rgb(x, y);
    png.data.set([r, g, b, 255], (y * w + x) * 4);
  }
  writeFileSync(file, PNG.sync.write(png));
}

function folder(name: string, labels: string, images: Record<string, (x: number, y: number) => [number, number, number]>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, rgb] of Object.entries(images)) writePng(join(dir, f), 4, 3, rgb);
  writeFileSync(join(dir, 'labels.csv'), labels);
  return dir;
}

test('an image folder of grey PNGs loads as one channel, named classes sorted', () => {
  const grey = (v: number) => (x: number, y: number): [number, number, number] => [v + x + 10 * y, v + x + 10 * y, v + x + 10 * y];
  const dir = folder('grey', 'file,label\na.png,dog\nb.png,cat\n\nc.png,dog\n', { 'a.png': grey(0), 'b.png': grey(100), 'c.png': grey(200) });
  const { pool, classNames } = loadImageFolder(dir);
  assert.deepEqual(classNames, ['cat', 'dog']);
  assert.deepEqual(pool.shape, [3, 4, 1]);
  assert.deepEqual([...pool.labels], [1, 0, 1]);
  assert.equal(pool.images[12 + 2 * 4 + 3], 100 + 3 + 20); // image b, y=2, x=3
  const d = loadDataset('image-folder', { dir, testFraction: 1 / 3, valFraction: 0.5 });
  assert.equal(d.name, 'image-folder:grey');
  assert.deepEqual(d.provenance.counts, { train: 1, val: 1, test: 1 });
});

test('an image folder of colour PNGs with numeric labels loads as RGB', () => {
  const dir = folder('rgb', 'x.png,2\ny.png,0\n', { 'x.png': (x, y) => [x, y, 7], 'y.png': () => [1, 2, 3] });
  const { pool, classNames } = loadImageFolder(dir);
  assert.deepEqual(classNames, ['0', '1', '2']);
  assert.deepEqual(pool.shape, [3, 4, 3]);
  assert.deepEqual([...pool.labels], [2, 0]);
  assert.deepEqual([...pool.images.subarray((1 * 4 + 2) * 3, (1 * 4 + 2) * 3 + 3)], [2, 1, 7]);
});

test('image folder errors name the file and line', () => {
  const white = (): [number, number, number] => [255, 255, 255];
  const noComma = folder('bad-line', 'file,label\na.png,1\nb.png 2\n', { 'a.png': white, 'b.png': white });
  assert.throws(() => loadImageFolder(noComma), /labels\.csv line 3: expected 'file,label' \(no comma\), got 'b\.png 2'/);
  const emptyLabel = folder('empty-label', 'a.png,\n', { 'a.png': white });
  assert.throws(() => loadImageFolder(emptyLabel), /labels\.csv line 1: .*empty label/);
  const missing = folder('missing', 'a.png,1\nzz.png,1\n', { 'a.png': white });
  assert.throws(() => loadImageFolder(missing), /labels\.csv line 2: image .*zz\.png not found/);
  const notPng = folder('not-png', 'a.png,1\n', {});
  writeFileSync(join(notPng, 'a.png'), 'hello');
  assert.throws(() => loadImageFolder(notPng), /a\.png \(.*labels\.csv line 1\): not a readable PNG/);
  const escape = folder('escape', '../grey/a.png,1\n', {});
  assert.throws(() => loadImageFolder(escape), /is outside/);
});
