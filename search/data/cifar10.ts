/**
 * Reader for the CIFAR-10 binary version (cifar-10-batches-bin): `data_batch_1..5.bin` and
 * `test_batch.bin`, each a run of 3073-byte records: one label byte, then 1024 red, 1024
 * green and 1024 blue bytes of a 32x32 image, row-major. Images come out NHWC.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../util/errors.ts';
import type { Pool } from './types.ts';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/** Decodes the records of one file; `file` only names it in errors. */
export function decodeCifarRecords(bytes: Uint8Array, file: string): Pool {
  if (bytes.length === 0) throw new UsageError(`${file}: empty file, expected ${RECORD}-byte CIFAR-10 records`);
  const count = Math.floor(bytes.length / RECORD);
  if (bytes.length % RECORD !== 0) {
    throw new UsageError(`${file}: truncated: record ${count} has ${bytes.length % RECORD} of ${RECORD} bytes (file size ${bytes.length})`);
  }
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * RECORD;
    const label = bytes[base];
    if (label >= CIFAR10_CLASSES.length) throw new UsageError(`${file}: record ${r}: label ${label} is not in 0..${CIFAR10_CLASSES.length - 1}`);
    labels[r] = label;
    const out = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[base + 1 + p];
      images[out + 3 * p + 1] = bytes[base + 1 + PLANE + p];
      images[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p];
    }
  }
  return { shape: [SIDE, SIDE, 3], numClasses: CIFAR10_CLASSES.length, images, labels, count };
}

function concat(pools: Pool[]): Pool {
  const count = pools.reduce((n, p) => n + p.count, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of pools) {
    images.set(p.images, at * 3 * PLANE);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { ...pools[0], images, labels, count };
}

/** The training batches present in `dir` (at least one), or why the directory is not usable. */
export function cifar10Files(dir: string): { train: string[]; test: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`CIFAR-10 directory ${dir} does not exist`);
  const train = CIFAR10_TRAIN_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  const test = join(dir, CIFAR10_TEST_FILE);
  if (train.length === 0 || !existsSync(test)) {
    throw new UsageError(`${dir} is not a CIFAR-10 binary directory: expected ${CIFAR10_TRAIN_FILES.join(', ')} (at least one) and ${CIFAR10_TEST_FILE}`);
  }
  return { train, test };
}

/** The official training batches joined in file order, and the official test batch. */
export function loadCifar10Dir(dir: string): { train: Pool; test: Pool } {
  const files = cifar10Files(dir);
  const read = (f: string): Pool => decodeCifarRecords(readFileSync(f), f);
  return { train: concat(files.train.map(read)), test: read(files.test) };
}
