/**
 * Few-shot segmentation on the built-in `scenes-objects` data: its 20 object classes split into
 * base classes (labelled in training) and novel classes (only ever seen in evaluation episodes),
 * and a seeded sampler of K-shot N-way episodes over a split's scenes.
 *
 * The split follows PASCAL-5i's folds, interleaved so that each fold mixes garments and digits:
 * fold k holds the novel classes c with (c - 1) mod 4 = k. Fold 0 (the default) is T-shirt/top,
 * Coat, Bag, digit 2 and digit 6; the 15 other object classes are its base classes.
 *
 * An episode names images, not pixels: its supports (K per way) and queries are indices into the
 * split, and `episodeMask` relabels a scene's mask for it (way j's class as j, every other class as
 * background 0, the ignore label kept). Base training relabels with `baseMask`, where a novel class
 * becomes the ignore label: it is never a training target, not even as background.
 */
import { UsageError } from '../../util/errors.ts';
import { deriveRng } from '../seeds.ts';
import type { SegSplit } from './types.ts';

/** Stream tag of episode sampling, apart from ../seeds.ts STREAM's and the scenes' (11). */
const EPISODE_STREAM = 12;

export const FOLDS = 4;
/** Object classes of scenes-objects (background 0 is neither base nor novel). */
const OBJECT_CLASSES = 20;

export interface ClassSplit {
  fold: number;
  /** Global class indices, ascending. */
  base: number[];
  novel: number[];
}

export function classSplit(fold = 0): ClassSplit {
  if (!Number.isInteger(fold) || fold < 0 || fold >= FOLDS) throw new UsageError(`few-shot fold ${fold}: choose 0..${FOLDS - 1}`);
  const objects = Array.from({ length: OBJECT_CLASSES }, (_, i) => i + 1);
  return { fold, base: objects.filter((c) => (c - 1) % FOLDS !== fold), novel: objects.filter((c) => (c - 1) % FOLDS === fold) };
}

/**
 * The lookup table of base training: background stays 0, base class base[i] becomes i + 1, novel
 * classes (and the ignore label) become `ignoreLabel`. Index it with a global class.
 */
export function baseLabels(split: ClassSplit, ignoreLabel: number): Uint8Array {
  const table = new Uint8Array(256).fill(ignoreLabel);
  table[0] = 0;
  split.base.forEach((c, i) => { table[c] = i + 1; });
  return table;
}

/** A split's masks relabelled by `table` (images shared, not copied). */
export function relabelSplit(s: SegSplit, table: Uint8Array): SegSplit {
  const masks = new Uint8Array(s.masks.length);
  for (let i = 0; i < masks.length; i++) masks[i] = table[s.masks[i]];
  return { images: s.images, masks, count: s.count };
}

export interface Episode {
  /** Global class of way j (label j + 1 in the episode's masks). */
  classes: number[];
  /** supports[j]: the K images of way j, each holding its class. */
  supports: number[][];
  /** Images holding at least one of the ways' classes, none of them a support. */
  queries: number[];
}

export interface EpisodeOptions {
  classes: readonly number[];
  ways: number;
  shots: number;
  queries: number;
  episodes: number;
  seed: number;
  /** A scene holds a class when at least this many of its pixels carry it. */
  minPixels: number;
}

/** For each class, the images of `masks` (`px` pixels each) holding at least `minPixels` of it. */
export function imagesByClass(masks: Uint8Array, px: number, classes: readonly number[], minPixels: number): Map<number, number[]> {
  const count = masks.length / px;
  const out = new Map<number, number[]>(classes.map((c) => [c, []]));
  const hist = new Int32Array(256);
  for (let n = 0; n < count; n++) {
    hist.fill(0);
    for (let i = n * px; i < (n + 1) * px; i++) hist[masks[i]]++;
    for (const c of classes) if (hist[c] >= minPixels) out.get(c)!.push(n);
  }
  return out;
}

/**
 * `episodes` episodes over the scenes whose masks are `masks`. Episode e depends on (seed, e) and
 * the masks only, so a longer list starts with a shorter one's episodes; taking the first k
 * supports of each way (`withShots`) gives the k-shot episodes on the same queries.
 */
export function sampleEpisodes(masks: Uint8Array, px: number, o: EpisodeOptions): Episode[] {
  if (o.ways < 1 || o.ways > o.classes.length) throw new UsageError(`few-shot episodes: ${o.ways} ways from ${o.classes.length} classes`);
  if (o.shots < 1 || o.queries < 1) throw new UsageError('few-shot episodes: need at least one shot and one query');
  const holders = imagesByClass(masks, px, o.classes, o.minPixels);
  for (const [c, images] of holders) {
    // Every support of an episode is a distinct image, and a query is none of them.
    if (images.length < o.shots + 1) throw new UsageError(`few-shot episodes: class ${c} is in ${images.length} of ${masks.length / px} scenes; ${o.shots}-shot episodes need ${o.shots + 1}: use more scenes`);
  }
  const episodes: Episode[] = [];
  for (let e = 0; e < o.episodes; e++) {
    const rng = deriveRng(o.seed, EPISODE_STREAM, e);
    const pool = [...o.classes];
    const classes: number[] = [];
    for (let j = 0; j < o.ways; j++) classes.push(pool.splice(rng.int(pool.length), 1)[0]);
    const used = new Set<number>();
    const supports = classes.map((c) => {
      const free = holders.get(c)!.filter((n) => !used.has(n));
      if (free.length < o.shots) throw new UsageError(`few-shot episodes: too few scenes hold class ${c} apart from the other ways' supports; use more scenes or fewer ways`);
      const chosen: number[] = [];
      for (let k = 0; k < o.shots; k++) chosen.push(free.splice(rng.int(free.length), 1)[0]);
      chosen.forEach((n) => used.add(n));
      return chosen;
    });
    const candidates = [...new Set(classes.flatMap((c) => holders.get(c)!))].filter((n) => !used.has(n)).sort((a, b) => a - b);
    if (candidates.length === 0) throw new UsageError(`few-shot episodes: no scene left to query classes ${classes.join(', ')}; use more scenes`);
    const queries: number[] = [];
    for (let q = 0; q < Math.min(o.queries, candidates.length); q++) queries.push(candidates.splice(rng.int(candidates.length), 1)[0]);
    episodes.push({ classes, supports, queries });
  }
  return episodes;
}

/** The episode with only the first `shots` supports of each way. */
export function withShots(e: Episode, shots: number): Episode {
  return { ...e, supports: e.supports.map((s) => s.slice(0, shots)) };
}

/** A scene's mask in an episode's labels: way j's class as j + 1, other classes 0, ignored pixels kept. */
export function episodeMask(mask: Uint8Array, classes: readonly number[], ignoreLabel: number): Uint8Array {
  const table = new Uint8Array(256);
  classes.forEach((c, j) => { table[c] = j + 1; });
  table[ignoreLabel] = ignoreLabel;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = table[mask[i]];
  return out;
}
