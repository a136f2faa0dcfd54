/**
 * User segmentation data: a folder of PNG images and a folder of PNG masks paired by file name
 * (`images/a.png` with `masks/a.png`). A mask pixel's class index is its first channel (grey or
 * red); the ignore label (255 by default) marks unlabelled pixels. Errors name the file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import { UsageError } from '../../util/errors.ts';
import { deriveRng, shuffleInPlace } from '../seeds.ts';
import { channelStats } from '../stats.ts';
import type { Shape } from '../types.ts';
import type { SegPool } from './cache.ts';
import { gatherScenes } from './gather.ts';
import { DEFAULT_IGNORE_LABEL, type SegDataset, type SegSplit } from './types.ts';

export interface MaskFolderOptions {
  /** Classes including background; default: the largest index found plus one. */
  numClasses?: number;
  ignoreLabel?: number;
  /** Forces 1 (grey) or 3 (RGB) image channels; by default grey when every image is grey. */
  channels?: 1 | 3;
}

function readPng(file: string, what: string): PNG {
  try {
    return PNG.sync.read(readFileSync(file));
  } catch (err) {
    throw new UsageError(`${file}: not a readable PNG ${what}: ${(err as Error).message}`);
  }
}

function pngFiles(dir: string, what: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: the ${what} folder does not exist`);
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png')).sort();
  if (files.length === 0) throw new UsageError(`${dir}: no .png files in the ${what} folder`);
  return files;
}

export function loadMaskFolder(imagesDir: string, masksDir: string, opts: MaskFolderOptions = {}): SegPool {
  const ignoreLabel = opts.ignoreLabel ?? DEFAULT_IGNORE_LABEL;
  const names = pngFiles(imagesDir, 'images');
  const maskNames = new Set(pngFiles(masksDir, 'masks'));
  for (const name of names) if (!maskNames.has(name)) throw new UsageError(`${join(imagesDir, name)} has no mask: expected ${join(masksDir, name)}`);
  for (const name of maskNames) if (!names.includes(name)) throw new UsageError(`${join(masksDir, name)} has no image: expected ${join(imagesDir, name)}`);
  const pairs = names.map((name) => {
    const imageFile = join(imagesDir, name), maskFile = join(masksDir, name);
    return { imageFile, maskFile, image: readPng(imageFile, 'image'), mask: readPng(maskFile, 'mask') };
  });
  const { width, height } = pairs[0].image;
  for (const p of pairs) {
    if (p.image.width !== width || p.image.height !== height) {
      throw new UsageError(`${p.imageFile} is ${p.image.width}x${p.image.height}, expected ${width}x${height} like ${pairs[0].imageFile}`);
    }
    if (p.mask.width !== width || p.mask.height !== height) {
      throw new UsageError(`${p.maskFile} is ${p.mask.width}x${p.mask.height}, but its image ${basename(p.imageFile)} is ${width}x${height}`);
    }
  }
  let maxClass = 0;
  for (const p of pairs) {
    for (let i = 0; i < width * height; i++) {
      const v = p.mask.data[4 * i];
      if (v === ignoreLabel) continue;
      if (opts.numClasses !== undefined && v >= opts.numClasses) {
        throw new UsageError(`${p.maskFile}: pixel (x=${i % width}, y=${Math.floor(i / width)}) has class ${v}, outside 0..${opts.numClasses - 1} (ignore label ${ignoreLabel})`);
      }
      if (v > maxClass) maxClass = v;
    }
  }
  const numClasses = opts.numClasses ?? maxClass + 1;
  if (numClasses < 2) throw new UsageError(`${masksDir}: every mask is background only; segmentation needs at least 2 classes`);
  const grey = (d: Buffer): boolean => { for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false; return true; };
  const channels = opts.channels ?? (pairs.every((p) => grey(p.image.data)) ? 1 : 3);
  const shape: Shape = [height, width, channels];
  const px = height * width;
  const images = new Uint8Array(pairs.length * px * channels);
  const masks = new Uint8Array(pairs.length * px);
  pairs.forEach((p, n) => {
    for (let i = 0; i < px; i++) {
      for (let c = 0; c < channels; c++) images[(n * px + i) * channels + c] = p.image.data[4 * i + c];
      masks[n * px + i] = p.mask.data[4 * i];
    }
  });
  return { shape, numClasses, ignoreLabel, images, masks, count: pairs.length };
}

/** Train / val / test by a seeded permutation (masks have no single label to stratify by). */
export function splitSegPool(pool: SegPool, o: { testFraction: number; valFraction: number; seed: number }): { train: SegSplit; val: SegSplit; test: SegSplit } {
  const order = shuffleInPlace(Int32Array.from({ length: pool.count }, (_, i) => i), deriveRng(o.seed, 1));
  const nTest = Math.round(pool.count * o.testFraction);
  const nVal = Math.round((pool.count - nTest) * o.valFraction);
  return { test: gatherScenes(pool, order.subarray(0, nTest), pool.shape), val: gatherScenes(pool, order.subarray(nTest, nTest + nVal), pool.shape), train: gatherScenes(pool, order.subarray(nTest + nVal), pool.shape) };
}

export function loadMaskFolderDataset(imagesDir: string, masksDir: string, o: MaskFolderOptions & { testFraction?: number; valFraction?: number; seed?: number } = {}): SegDataset {
  const pool = loadMaskFolder(imagesDir, masksDir, o);
  const seed = o.seed ?? 0;
  const splits = splitSegPool(pool, { testFraction: o.testFraction ?? 0.2, valFraction: o.valFraction ?? 0.5, seed });
  const { mean, std } = channelStats({ images: splits.train.images, labels: new Uint8Array(0), count: splits.train.count }, pool.shape[2]);
  return {
    name: `mask-folder:${basename(imagesDir)}`, shape: pool.shape, numClasses: pool.numClasses,
    classNames: Array.from({ length: pool.numClasses }, (_, c) => String(c)), ignoreLabel: pool.ignoreLabel,
    ...splits, mean, std,
    provenance: { source: `${imagesDir}|${masksDir}`, seed, counts: { train: splits.train.count, val: splits.val.count, test: splits.test.count } },
  };
}
