/**
 * The built-in domain-shift data set `scenes-domain`: labelled source scenes to train on, target
 * scenes whose training split comes without masks (domain adaptation may look at their images
 * only) and whose validation split is labelled for scoring. Scenes are composed by domains.ts from
 * the Fashion-MNIST split of the same name, so no validation garment was seen in training; scene i
 * of a (domain, split) comes from its own seeded stream, and each is cached like the other scenes.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../../util/errors.ts';
import { loadDataset } from '../registry.ts';
import { deriveRng } from '../seeds.ts';
import { channelStats } from '../stats.ts';
import type { Split, SplitName } from '../types.ts';
import { loadCachedSegPool, type SegPool } from './cache.ts';
import { composeDomainScene, DOMAIN_CLASS_NAMES, DOMAIN_NAMES, DOMAIN_STYLES, type DomainName } from './domains.ts';
import { DEFAULT_SCENE_CONFIG, type SceneConfig } from './scenes.ts';
import type { SegDataset, SegSplit } from './types.ts';

/** Stream tag of domain scenes, apart from ../seeds.ts STREAM's and builtin.ts's scene stream. */
const DOMAIN_STREAM = 12;

/** Images without their masks: what adaptation may see of the target domain. */
export interface UnlabelledSplit { images: Uint8Array; count: number }

export interface DomainShiftData {
  /** Labelled source scenes (train, val; no test), normalised by their own train statistics. */
  source: SegDataset;
  target: {
    /** For adaptation: images only, the masks were never loaded into it. */
    train: UnlabelledSplit;
    /** For scoring only. */
    val: SegSplit;
  };
}

const count = z.int().min(0);
export const DomainShiftOptions = z.strictObject({
  seed: count.default(0),
  counts: z.strictObject({ train: count, val: count }),
  cacheDir: z.string().min(1).optional(),
});
export type DomainShiftOptions = z.input<typeof DomainShiftOptions>;

const SPLITS = ['train', 'val'] as const satisfies readonly SplitName[];

/** `n` scenes of one domain and split; scene i depends on (seed, domain, split, i) and the garments only. */
export function generateDomainScenes(garments: Split, cfg: SceneConfig, domain: DomainName, seed: number, split: 'train' | 'val', n: number): SegPool {
  const px = cfg.size * cfg.size;
  const images = new Uint8Array(n * px);
  const masks = new Uint8Array(n * px);
  for (let i = 0; i < n; i++) {
    const scene = composeDomainScene(garments, cfg, DOMAIN_STYLES[domain], deriveRng(seed, DOMAIN_STREAM, DOMAIN_NAMES.indexOf(domain), SPLITS.indexOf(split), i));
    images.set(scene.image, i * px);
    masks.set(scene.mask, i * px);
  }
  return { shape: [cfg.size, cfg.size, 1], numClasses: DOMAIN_CLASS_NAMES.length, ignoreLabel: cfg.ignoreLabel, images, masks, count: n };
}

export function loadDomainShift(options: DomainShiftOptions): DomainShiftData {
  const parsed = DomainShiftOptions.safeParse(options);
  if (!parsed.success) throw new UsageError(`domain-shift options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const cfg = DEFAULT_SCENE_CONFIG;
  let garments: Record<'train' | 'val', Split> | null = null;
  const garmentsOf = (split: 'train' | 'val'): Split => {
    garments ??= (({ train, val }) => ({ train, val }))(loadDataset('fashion-mnist', { cacheDir: o.cacheDir }));
    return garments[split];
  };
  const id = JSON.stringify({ cfg, styles: DOMAIN_STYLES, seed: o.seed, generator: 1 });
  const tag = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const pool = (domain: DomainName, split: 'train' | 'val'): SegPool => loadCachedSegPool(`scenes-domain-${tag}-${domain}-${split}-${o.counts[split]}`, `${id}|${domain}|${split}|${o.counts[split]}`,
    () => generateDomainScenes(garmentsOf(split), cfg, domain, o.seed, split, o.counts[split]), o.cacheDir).pool;
  const labelled = (p: SegPool): SegSplit => ({ images: p.images, masks: p.masks, count: p.count });
  const train = labelled(pool('source', 'train')), val = labelled(pool('source', 'val'));
  const targetTrain = pool('target', 'train');
  const { mean, std } = channelStats({ images: train.images, labels: new Uint8Array(0), count: train.count }, 1);
  return {
    source: {
      name: 'scenes-domain', shape: [cfg.size, cfg.size, 1], numClasses: DOMAIN_CLASS_NAMES.length, classNames: [...DOMAIN_CLASS_NAMES], ignoreLabel: cfg.ignoreLabel,
      train, val, test: { images: new Uint8Array(0), masks: new Uint8Array(0), count: 0 }, mean, std,
      provenance: { source: `scenes-domain:${id}`, seed: o.seed, counts: { train: train.count, val: val.count, test: 0 } },
    },
    target: { train: { images: targetTrain.images, count: targetTrain.count }, val: labelled(pool('target', 'val')) },
  };
}
