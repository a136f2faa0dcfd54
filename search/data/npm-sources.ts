/**
 * Parsers for the two data sets shipped as npm packages. Both store one JSON file per class
 * (`src/clothes/<k>.json`, `src/digits/<k>.json`); the files are read directly rather than
 * through the packages' own code, which picks samples with Math.random.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Pool } from './types.ts';

const require = createRequire(import.meta.url);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface NpmSource {
  /** Package name, also the data set name. */
  name: 'fashion-mnist' | 'mnist';
  classNames: string[];
  /** Identifies the exact data, so that a cache made from another version is rebuilt. */
  sourceId(): string;
  parse(): Pool;
}

/** The package's directory, or null when it is not installed. */
export function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

function requireDir(name: string): string {
  const dir = packageDir(name);
  if (!dir) throw new Error(`data set ${name}: npm package '${name}' is not installed`);
  return dir;
}

function version(name: string): string {
  return (JSON.parse(readFileSync(join(requireDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

function readData(file: string): unknown[] {
  const data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new Error(`${file}: expected {"data": [...]}`);
  return data;
}

function pixel(v: unknown, max: number, file: string, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= max)) throw new Error(`${file}: ${where}: pixel ${String(v)} is not in 0..${max}`);
  return v;
}

function concatPool(chunks: Uint8Array[][], numClasses: number): Pool {
  const count = chunks.reduce((n, c) => n + c.length, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let i = 0;
  chunks.forEach((cls, label) => {
    for (const img of cls) {
      images.set(img, i * PIXELS);
      labels[i++] = label;
    }
  });
  return { shape: [SIDE, SIDE, 1], numClasses, images, labels, count };
}

/**
 * Fashion-MNIST: 70,000 images, an array of 784 integer pixels each. The package's class-0
 * file also holds two empty entries, which are skipped (hence 7,002 entries there).
 */
export const fashionMnist: NpmSource = {
  name: 'fashion-mnist',
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  sourceId: () => `fashion-mnist@${version('fashion-mnist')}`,
  parse() {
    const dir = requireDir('fashion-mnist');
    const chunks = this.classNames.map((_, k) => {
      const file = join(dir, 'src', 'clothes', `${k}.json`);
      return readData(file).flatMap((entry, j) => {
        if (!Array.isArray(entry)) throw new Error(`${file}: entry ${j} is not an array`);
        if (entry.length === 0) return [];
        if (entry.length !== PIXELS) throw new Error(`${file}: entry ${j} has ${entry.length} pixels, expected ${PIXELS}`);
        const img = new Uint8Array(PIXELS);
        for (let p = 0; p < PIXELS; p++) img[p] = pixel(entry[p], 255, file, `entry ${j}`);
        return [img];
      });
    });
    return concatPool(chunks, this.classNames.length);
  },
};

/** MNIST: 10,000 digits as one flat array per class of pixels in [0,1] with 3 decimals. */
export const mnist: NpmSource = {
  name: 'mnist',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  sourceId: () => `mnist@${version('mnist')}`,
  parse() {
    const dir = requireDir('mnist');
    const chunks = this.classNames.map((_, k) => {
      const file = join(dir, 'src', 'digits', `${k}.json`);
      const flat = readData(file);
      if (flat.length % PIXELS !== 0) throw new Error(`${file}: ${flat.length} values is not a whole number of ${PIXELS}-pixel images`);
      const images: Uint8Array[] = [];
      for (let j = 0; j < flat.length / PIXELS; j++) {
        const img = new Uint8Array(PIXELS);
        // The package stores round(byte/255, 3); rounding back recovers the byte exactly.
        for (let p = 0; p < PIXELS; p++) img[p] = Math.round(pixel(flat[j * PIXELS + p], 1, file, `image ${j}`) * 255);
        images.push(img);
      }
      return images;
    });
    return concatPool(chunks, this.classNames.length);
  },
};
