/**
 * Few-shot episodes on real scenes: the base/novel split, base training masks that never label a
 * novel class, and a seeded sampler whose episodes hold what they claim.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSceneDataset } from '../search/data/segmentation/builtin.ts';
import { baseLabels, classSplit, episodeMask, FOLDS, imagesByClass, relabelSplit, sampleEpisodes, withShots } from '../search/data/segmentation/episodes.ts';
import type { SegDataset } from '../search/data/segmentation/types.ts';
import { UsageError } from '../search/util/errors.ts';

let data: SegDataset;
const PX = 64 * 64;
before(() => { data = loadSceneDataset({ variant: 'objects', counts: { train: 24, val: 60, test: 0 }, seed: 5 }); });

describe('class split', () => {
  test('the folds partition the 20 object classes into 5 novel and 15 base each, every fold mixing garments and digits', () => {
    const novel = Array.from({ length: FOLDS }, (_, k) => classSplit(k).novel);
    assert.deepEqual(novel.flat().sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
    for (let k = 0; k < FOLDS; k++) {
      const s = classSplit(k);
      assert.equal(s.novel.length, 5);
      assert.equal(s.base.length, 15);
      assert.ok(s.novel.some((c) => c <= 10) && s.novel.some((c) => c > 10));
      assert.equal(s.base.filter((c) => s.novel.includes(c)).length, 0);
    }
    assert.deepEqual(classSplit(0).novel.map((c) => data.classNames[c]), ['T-shirt/top', 'Coat', 'Bag', 'digit 2', 'digit 6']);
    assert.throws(() => classSplit(4), UsageError);
  });

  test('base training masks label base classes 1..15 and never a novel class', () => {
    const split = classSplit(0);
    const base = relabelSplit(data.train, baseLabels(split, data.ignoreLabel));
    let novelPixels = 0;
    for (let i = 0; i < base.masks.length; i++) {
      const was = data.train.masks[i], now = base.masks[i];
      if (split.novel.includes(was)) { novelPixels++; assert.equal(now, data.ignoreLabel); }
      else if (was === 0) assert.equal(now, 0);
      else if (was !== data.ignoreLabel) assert.equal(split.base[now - 1], was);
      assert.ok(now <= split.base.length || now === data.ignoreLabel);
    }
    assert.ok(novelPixels > 0, 'the scenes hold novel objects to hide');
  });
});

describe('episode sampler', () => {
  const o = { classes: classSplit(0).novel, ways: 1, shots: 5, queries: 1, episodes: 12, seed: 3, minPixels: 32 };

  test('the same seed gives the same episodes, another seed others, and a longer list starts with the shorter', () => {
    const a = sampleEpisodes(data.val.masks, PX, o);
    assert.deepEqual(sampleEpisodes(data.val.masks, PX, o), a);
    assert.notDeepEqual(sampleEpisodes(data.val.masks, PX, { ...o, seed: 4 }), a);
    assert.deepEqual(sampleEpisodes(data.val.masks, PX, { ...o, episodes: 5 }), a.slice(0, 5));
  });

  test('supports hold their way\'s class, queries hold one of the ways, and no image is both', () => {
    for (const ways of [1, 2]) {
      const eps = sampleEpisodes(data.val.masks, PX, { ...o, ways, shots: 2, queries: 2 });
      const holders = imagesByClass(data.val.masks, PX, o.classes, o.minPixels);
      for (const e of eps) {
        assert.equal(new Set(e.classes).size, ways);
        assert.ok(e.classes.every((c) => o.classes.includes(c)));
        e.supports.forEach((s, j) => { assert.equal(s.length, 2); for (const n of s) assert.ok(holders.get(e.classes[j])!.includes(n)); });
        const supports = new Set(e.supports.flat());
        assert.equal(supports.size, 2 * ways);
        for (const q of e.queries) {
          assert.ok(!supports.has(q));
          assert.ok(e.classes.some((c) => holders.get(c)!.includes(q)));
        }
      }
    }
  });

  test('withShots keeps the first supports and the queries', () => {
    const [e] = sampleEpisodes(data.val.masks, PX, o);
    const one = withShots(e, 1);
    assert.deepEqual(one.supports, [[e.supports[0][0]]]);
    assert.deepEqual(one.queries, e.queries);
  });

  test('an episode mask labels the ways 1..N, everything else background, and keeps ignored pixels', () => {
    const mask = data.val.masks.subarray(0, PX);
    const present = [...new Set(mask)].filter((c) => c !== 0 && c !== data.ignoreLabel);
    const out = episodeMask(mask, [present[0]], data.ignoreLabel);
    for (let i = 0; i < PX; i++) {
      const want = mask[i] === data.ignoreLabel ? data.ignoreLabel : mask[i] === present[0] ? 1 : 0;
      assert.equal(out[i], want);
    }
  });

  test('too few scenes for the shots is a usage error naming the class', () => {
    assert.throws(() => sampleEpisodes(data.val.masks.subarray(0, 3 * PX), PX, o), (e: Error) => e instanceof UsageError && /class \d+ is in \d+ of 3 scenes/.test(e.message));
  });
});
