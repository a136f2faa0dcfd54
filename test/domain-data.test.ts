/**
 * Domain-shift scenes: fixed by their seed, the two domains share one label space but differ in
 * texture family, background brightness and object style, and the target's training split holds
 * no masks.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../search/data/registry.ts';
import type { Split } from '../search/data/types.ts';
import { composeDomainScene, DOMAIN_CLASS_NAMES, DOMAIN_STYLES, type DomainName } from '../search/data/segmentation/domains.ts';
import { generateDomainScenes, loadDomainShift } from '../search/data/segmentation/domain-shift.ts';
import { DEFAULT_SCENE_CONFIG, resizeSource, texturePixel, VISIBLE } from '../search/data/segmentation/scenes.ts';
import { segmentationDataset } from '../search/evaluate/seg-dataset.ts';
import { deriveRng } from '../search/data/seeds.ts';
import { UsageError } from '../search/util/errors.ts';

let garments: Split;
before(() => { garments = loadDataset('fashion-mnist', { subset: { train: 200, val: 0, test: 0 } }).train; });

const cfg = DEFAULT_SCENE_CONFIG;
const n = cfg.size;

describe('domain scenes', () => {
  test('the same seed gives the same scenes, another seed or domain gives others', () => {
    const a = generateDomainScenes(garments, cfg, 'source', 3, 'train', 8);
    assert.deepEqual(generateDomainScenes(garments, cfg, 'source', 3, 'train', 8), a);
    assert.notDeepEqual(generateDomainScenes(garments, cfg, 'source', 4, 'train', 8).images, a.images);
    assert.notDeepEqual(generateDomainScenes(garments, cfg, 'target', 3, 'train', 8).images, a.images);
    assert.deepEqual(generateDomainScenes(garments, cfg, 'source', 3, 'train', 2).masks, a.masks.subarray(0, 2 * n * n));
  });

  test('both domains label garments 1..10 on background 0; each draws only its own texture families', () => {
    for (const domain of ['source', 'target'] as DomainName[]) {
      const seen = new Set<number>();
      for (let s = 0; s < 30; s++) {
        const scene = composeDomainScene(garments, cfg, DOMAIN_STYLES[domain], deriveRng(1, s));
        assert.ok(DOMAIN_STYLES[domain].textures.includes(scene.background.texture));
        for (const m of scene.mask) if (m !== cfg.ignoreLabel) seen.add(m);
        assert.ok(scene.labels.every((l) => l >= 1 && l <= 10), `labels ${scene.labels}`);
      }
      assert.ok([...seen].every((m) => m >= 0 && m < DOMAIN_CLASS_NAMES.length), `${domain}: labels ${[...seen]}`);
      assert.ok(seen.size >= 6, `${domain}: ${seen.size} classes in 30 scenes`);
    }
    assert.deepEqual(DOMAIN_STYLES.source.textures.filter((t) => DOMAIN_STYLES.target.textures.includes(t)), []);
  });

  test('the domains differ measurably: every target background is brighter than every source one, and target garments are pen outlines', () => {
    const backgroundMeans = (domain: DomainName) => Array.from({ length: 40 }, (_, s) => {
      const scene = composeDomainScene(garments, cfg, DOMAIN_STYLES[domain], deriveRng(2, s));
      let sum = 0, k = 0;
      scene.mask.forEach((m, i) => { if (m === 0) { sum += scene.image[i]; k++; } });
      return sum / k;
    });
    assert.ok(Math.max(...backgroundMeans('source')) < Math.min(...backgroundMeans('target')));
    // Share of labelled garment pixels drawn at full pen intensity: the outline style's signature.
    const penShare = (domain: DomainName) => {
      let pen = 0, all = 0;
      for (let s = 0; s < 20; s++) {
        const scene = composeDomainScene(garments, cfg, DOMAIN_STYLES[domain], deriveRng(3, s));
        scene.mask.forEach((m, i) => { if (m > 0 && m !== cfg.ignoreLabel) { all++; if (scene.image[i] === 255) pen++; } });
      }
      return pen / all;
    };
    const source = penShare('source'), target = penShare('target');
    assert.ok(target > 0.3 && source < 0.1, `pen share source ${source}, target ${target}`);
  });

  test('a lone target garment: its silhouette is labelled, its boundary drawn by the pen, its inside lets the texture through', () => {
    const one = { ...cfg, minObjects: 1, maxObjects: 1 };
    const scene = composeDomainScene(garments, one, DOMAIN_STYLES.target, deriveRng(9));
    const rng = deriveRng(9);
    // Replay the generator's draws to find where the garment went.
    rng.pick(DOMAIN_STYLES.target.textures); rng.int(40); rng.int(5); rng.int(8); rng.int(40); rng.next(); rng.int(1);
    const index = rng.int(garments.count), side = one.minScale + rng.int(one.maxScale - one.minScale + 1);
    const x0 = rng.int(n - side + 1), y0 = rng.int(n - side + 1);
    const obj = resizeSource(garments.images, index * 784, side);
    let interior = 0;
    for (let j = 1; j < side - 1; j++) {
      for (let i = 1; i < side - 1; i++) {
        const at = (y0 + j) * n + x0 + i;
        const v = obj[j * side + i];
        assert.equal(scene.mask[at], v >= VISIBLE ? 1 + garments.labels[index] : v > 0 ? cfg.ignoreLabel : 0);
        const window = [-2, -1, 0, 1, 2];
        const deep = j > 1 && i > 1 && j < side - 2 && i < side - 2 && window.every((dy) => window.every((dx) => obj[(j + dy) * side + i + dx] >= VISIBLE));
        const boundary = v >= VISIBLE && [[-1, 0], [1, 0], [0, -1], [0, 1]].some(([dx, dy]) => obj[(j + dy) * side + i + dx] < VISIBLE);
        if (boundary) assert.equal(scene.image[at], 255);
        if (deep) {
          interior++;
          assert.equal(scene.image[at], Math.round(0.3 * v + 0.7 * texturePixel(scene.background, x0 + i, y0 + j)));
        }
      }
    }
    assert.ok(interior > 0);
  });
});

describe('scenes-domain data set', () => {
  test('source is labelled, the target training split has images only, and the loader is a pure function of its options', () => {
    const d = loadDomainShift({ counts: { train: 6, val: 4 }, seed: 1 });
    assert.equal(d.source.numClasses, 11);
    assert.equal(d.source.train.count, 6);
    assert.equal(d.target.val.count, 4);
    assert.deepEqual(Object.keys(d.target.train).sort(), ['count', 'images']);
    assert.equal(d.target.train.images.length, 6 * n * n);
    const again = loadDomainShift({ counts: { train: 6, val: 4 }, seed: 1 });
    assert.deepEqual(again.target.val.masks, d.target.val.masks);
    assert.deepEqual(segmentationDataset('scenes-domain', { train: 6, val: 4 }, 1).train.masks, d.source.train.masks);
    assert.throws(() => loadDomainShift({ counts: { train: -1, val: 4 } }), (e: unknown) => e instanceof UsageError && /counts\.train/.test((e as Error).message));
  });
});
