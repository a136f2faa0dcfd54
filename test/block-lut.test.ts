/**
 * Latency tables of block spaces: the units `cellscape lut` measures for a block space cover
 * every unit of every network the space builds (stem, each layer as first and later layer of its
 * stage, the head), so a table predicts any sampled genotype without a missing entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../search/backend/index.ts';
import { blockCoverageUnits } from '../search/latency/block-coverage.ts';
import { latencyUnits } from '../search/latency/units.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';

await initBackend();

test('the block coverage units hold every unit of sampled mobile-blocks networks', () => {
  const space = loadSpace('space-defs/mobile-blocks.json') as BlockSpace;
  const inShape = [28, 28, 1];
  const { units, modules } = blockCoverageUnits(space, inShape, 10, createRng(0));
  try {
    const keys = new Set(units.map((u) => u.key));
    const rng = createRng(4);
    for (let i = 0; i < 12; i++) {
      const net = buildNetwork(space, space.sample(rng), { inShape, classes: 10 });
      try {
        const missing = latencyUnits(net).map((u) => u.key).filter((k) => !keys.has(k));
        assert.deepEqual(missing, []);
      } finally {
        net.dispose();
      }
    }
    // Every variant at every width, as a first layer from each previous width and as a later layer, plus the stem and the heads.
    assert.ok(keys.size > 300, String(keys.size));
  } finally {
    modules.forEach((m) => m.dispose());
  }
});
