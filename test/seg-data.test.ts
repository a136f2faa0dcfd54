/**
 * Segmentation data: scenes from small real Fashion-MNIST/MNIST splits are fixed by their seed,
 * masks agree with images, the context variant's label follows the background, the cache
 * rebuilds when corrupted, and the mask-folder loader names the bad file.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadDataset } from '../search/data/registry.ts';
import { composeScene, DEFAULT_SCENE_CONFIG, texturePixel, VISIBLE, CONTEXT_TEXTURES, type ObjectSources, type SceneConfig } from '../search/data/segmentation/scenes.ts';
import { generateScenes, loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { loadMaskFolder } from '../search/data/segmentation/mask-folder.ts';
import { segBatches } from '../search/data/segmentation/batches.ts';
import { createRng } from '../search/util/rng.ts';
import { UsageError } from '../search/util/errors.ts';
import { tempDir } from './temp-dir.ts';

let sources: ObjectSources;
before(() => {
  const subset = { train: 200, val: 0, test: 0 };
  sources = { garments: loadDataset('fashion-mnist', { subset }).train, digits: loadDataset('mnist', { subset }).train };
});

describe('scene generator', () => {
  test('the same seed gives the same scenes; another seed gives others', () => {
    const cfg = { ...DEFAULT_SCENE_CONFIG };
    const a = generateScenes(sources, cfg, 7, 'train', 12);
    const b = generateScenes(sources, cfg, 7, 'train', 12);
    const c = generateScenes(sources, cfg, 8, 'train', 12);
    assert.deepEqual(a.images, b.images);
    assert.deepEqual(a.masks, b.masks);
    assert.notDeepEqual(a.images, c.images);
    // Scene i does not depend on how many are generated.
    assert.deepEqual(generateScenes(sources, cfg, 7, 'train', 3).masks, a.masks.subarray(0, 3 * 64 * 64));
  });

  test('object pixels are labelled, background pixels are class 0 and show the texture, faint rims are ignored', () => {
    const cfg: SceneConfig = { ...DEFAULT_SCENE_CONFIG };
    const rng = createRng(5);
    const n = cfg.size;
    let counted = { object: 0, background: 0, ignored: 0 };
    for (let s = 0; s < 10; s++) {
      const scene = composeScene(sources, cfg, rng);
      const labels = new Set(scene.objects.map((o) => o.label));
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const m = scene.mask[y * n + x], v = scene.image[y * n + x];
          const inside = scene.objects.filter((o) => x >= o.x && x < o.x + o.side && y >= o.y && y < o.y + o.side);
          if (m === 0) {
            counted.background++;
            assert.equal(v, texturePixel(scene.background, x, y), `background pixel (${x},${y}) shows the texture`);
          } else if (m === cfg.ignoreLabel) {
            counted.ignored++;
            assert.ok(v > 0 && v < VISIBLE && inside.length > 0);
          } else {
            counted.object++;
            assert.ok(labels.has(m) && v >= VISIBLE, `pixel (${x},${y}) label ${m} value ${v}`);
            // The label is that of the topmost object covering the pixel with a non-zero pixel.
            assert.ok(inside.some((o) => o.label === m));
          }
        }
      }
    }
    assert.ok(counted.object > 1000 && counted.background > 1000 && counted.ignored > 0, JSON.stringify(counted));
  });

  test('context variant: a digit or garment is labelled by its kind and the canvas texture', () => {
    const cfg: SceneConfig = { ...DEFAULT_SCENE_CONFIG, variant: 'context' };
    const rng = createRng(9);
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const scene = composeScene(sources, cfg, rng);
      const t = CONTEXT_TEXTURES.indexOf(scene.background.texture);
      assert.ok(t >= 0, scene.background.texture);
      for (const o of scene.objects) {
        assert.equal(o.label, 1 + (o.kind === 'garment' ? 2 : 0) + t);
        seen.add(`${o.kind}/${scene.background.texture}`);
      }
      for (const m of scene.mask) assert.ok(m === 0 || m === 255 || scene.objects.some((o) => o.label === m));
    }
    assert.equal(seen.size, 4, [...seen].join(' '));
  });

  test('loadSceneDataset caches each split, reloads it identically and rebuilds a corrupted cache', () => {
    const dir = tempDir('seg-cache-');
    const o = { variant: 'context' as const, counts: { train: 6, val: 2, test: 2 }, cacheDir: dir };
    const first = loadSceneDataset(o);
    assert.equal(first.numClasses, 5);
    const files = readdirSync(dir).filter((f) => f.startsWith('scenes-'));
    assert.equal(files.length, 3);
    const path = join(dir, files.find((f) => f.includes('-train-'))!);
    const buf = readFileSync(path);
    buf[buf.length - 1] ^= 0xff;
    writeFileSync(path, buf);
    const second = loadSceneDataset(o);
    assert.deepEqual(second.train.masks, first.train.masks);
    assert.deepEqual(second.train.images, first.train.images);
    assert.deepEqual(readFileSync(path).subarray(-10), Buffer.from(first.train.masks.subarray(-10)));
  });

  test('a flipped batch flips image and mask together', () => {
    const pool = generateScenes(sources, DEFAULT_SCENE_CONFIG, 1, 'train', 8);
    const plain = [...segBatches(pool, pool.shape, 0, { batchSize: 8, seed: 3, mean: [0], std: [1 / 255], shuffle: false })][0];
    const flipped = [...segBatches(pool, pool.shape, 0, { batchSize: 8, seed: 3, mean: [0], std: [1 / 255], shuffle: false, flip: true })][0];
    let flips = 0;
    for (let i = 0; i < 8; i++) {
      const at = (r: number, c: number): number => i * 4096 + r * 64 + c;
      const isFlipped = flipped.y[at(10, 0)] === plain.y[at(10, 63)] && flipped.x[at(10, 0)] !== plain.x[at(10, 0)];
      const same = flipped.x.subarray(i * 4096, (i + 1) * 4096).every((v, k) => v === plain.x[i * 4096 + k]);
      assert.ok(same || isFlipped);
      if (!same) {
        flips++;
        for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) {
          assert.equal(flipped.y[at(r, c)], plain.y[at(r, 63 - c)]);
          assert.equal(flipped.x[at(r, c)], plain.x[at(r, 63 - c)]);
        }
      }
    }
    assert.ok(flips > 0 && flips < 8, `${flips} of 8 flipped`);
  });
});

describe('mask folder loader', () => {
  const png = (w: number, h: number, value: (x: number, y: number) => number): Buffer => {
    const p = new PNG({ width: w, height: h });
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x), v = value(x, y);
      p.data[i] = p.data[i + 1] = p.data[i + 2] = v; p.data[i + 3] = 255;
    }
    return PNG.sync.write(p);
  };
  const folder = (masks: Record<string, Buffer>, images: Record<string, Buffer>): { images: string; masks: string } => {
    const root = tempDir('seg-folder-');
    const dirs = { images: join(root, 'images'), masks: join(root, 'masks') };
    mkdirSync(dirs.images); mkdirSync(dirs.masks);
    for (const [f, b] of Object.entries(images)) writeFileSync(join(dirs.images, f), b);
    for (const [f, b] of Object.entries(masks)) writeFileSync(join(dirs.masks, f), b);
    return dirs;
  };

  test('reads images and class masks, with 255 as ignore', () => {
    const d = folder({ 'a.png': png(4, 3, (x) => (x === 3 ? 255 : x % 3)), 'b.png': png(4, 3, () => 1) }, { 'a.png': png(4, 3, (x, y) => 10 * x + y), 'b.png': png(4, 3, () => 7) });
    const pool = loadMaskFolder(d.images, d.masks);
    assert.deepEqual(pool.shape, [3, 4, 1]);
    assert.equal(pool.numClasses, 3);
    assert.equal(pool.count, 2);
    assert.deepEqual([...pool.masks.subarray(0, 4)], [0, 1, 2, 255]);
    assert.deepEqual([...pool.images.subarray(0, 4)], [0, 10, 20, 30]);
  });

  test('a mask of another size than its image is an error naming the mask', () => {
    const d = folder({ 'a.png': png(4, 4, () => 0), 'b.png': png(5, 4, () => 1) }, { 'a.png': png(4, 4, () => 0), 'b.png': png(4, 4, () => 0) });
    assert.throws(() => loadMaskFolder(d.images, d.masks), (e: Error) => e instanceof UsageError && e.message.includes(join(d.masks, 'b.png')) && e.message.includes('5x4'));
  });

  test('a class index out of range is an error naming the file and pixel', () => {
    const d = folder({ 'a.png': png(4, 4, (x, y) => (x === 2 && y === 1 ? 7 : 1)) }, { 'a.png': png(4, 4, () => 0) });
    assert.throws(() => loadMaskFolder(d.images, d.masks, { numClasses: 3 }),
      (e: Error) => e instanceof UsageError && e.message.includes(join(d.masks, 'a.png')) && e.message.includes('x=2, y=1') && e.message.includes('class 7'));
  });

  test('an image without a mask is an error naming the missing mask', () => {
    const d = folder({ 'a.png': png(2, 2, () => 1) }, { 'a.png': png(2, 2, () => 0), 'c.png': png(2, 2, () => 0) });
    assert.throws(() => loadMaskFolder(d.images, d.masks), (e: Error) => e instanceof UsageError && e.message.includes(join(d.masks, 'c.png')));
  });
});
