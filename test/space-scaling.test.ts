/**
 * Compound scaling's arithmetic (search/space/scaling.ts) on hand-worked cases, and input
 * resolution as a dimension a space declares (search/space/resolution.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compoundGrid, DEPTH_ONLY, flopsFactor, scaleBlockGenotype, scaledSpaceDef, WIDTH_ONLY } from '../search/space/scaling.ts';
import { parseSpaceDef, spaceFromDef } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { BlockSpaceDef } from '../search/space/schema.ts';
import type { BlockGenotype, Space } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';

const mobile = parseSpaceDef(JSON.parse(readFileSync('space-defs/mobile-blocks.json', 'utf8')), 'mobile-blocks') as BlockSpaceDef;

test('the grid keeps alpha * beta^2 * gamma^2 at 2 with gamma >= 1; the baselines are exactly 2', () => {
  const grid = compoundGrid([1, 1.2, 2.5], [1.1, 1.5]);
  // 1.2 * 1.1^2 = 1.452: gamma = sqrt(2 / 1.452) = 1.1737; 1 * 1.1^2: sqrt(2 / 1.21) = 1.2856; 1 * 1.5^2 = 2.25 > 2 and 2.5: no gamma >= 1.
  assert.deepEqual(grid, [{ alpha: 1, beta: 1.1, gamma: 1.286 }, { alpha: 1.2, beta: 1.1, gamma: 1.174 }]);
  for (const c of grid) assert.ok(Math.abs(flopsFactor(c) - 2) < 0.01, JSON.stringify(c));
  assert.ok(Math.abs(flopsFactor(WIDTH_ONLY) - 2) < 1e-12);
  assert.equal(flopsFactor(DEPTH_ONLY), 2);
});

const g: BlockGenotype = {
  stages: [
    { depth: 1, layers: [{ op: 'conv', kernel: 3, width: 16 }, { op: 'conv', kernel: 3, width: 16 }] },
    { depth: 2, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 24 }, { op: 'mbconv', kernel: 5, expand: 6, width: 24 }] },
    { depth: 2, layers: [{ op: 'conv', kernel: 3, width: 40 }, { op: 'conv', kernel: 5, width: 40 }] },
    { depth: 2, layers: [{ op: 'mbconv', kernel: 3, expand: 3, width: 80 }, { op: 'attention', attention: 'window', width: 80 }] },
    { depth: 1, layers: [{ op: 'mbconv', kernel: 3, expand: 6, width: 112 }] },
  ],
};

test('a genotype scaled at phi = 2 by (1.2, 1.1, 1.15): depths up, widths to multiples of 8, the side rounded', () => {
  const s = scaleBlockGenotype(g, 28, { alpha: 1.2, beta: 1.1, gamma: 1.15 }, 2);
  // depth x 1.44: 1 -> 2, 2 -> 3 (2.88 up); width x 1.21: 16 -> 19.4 -> 24 (16 would lose more than 10 %), 24 -> 29 -> 32, 40 -> 48.4 -> 48, 80 -> 96.8 -> 96, 112 -> 135.5 -> 136; side 28 x 1.3225 = 37.03 -> 37.
  assert.deepEqual(s.stages.map((st) => st.depth), [2, 3, 3, 3, 2]);
  assert.deepEqual(s.stages.map((st) => st.layers[0].width), [24, 32, 48, 96, 136]);
  assert.equal(s.resolution, 37);
  // New layers repeat the stage's last active one; inactive layers of the source are dropped.
  assert.deepEqual(s.stages[0].layers.map((l) => l.op), ['conv', 'conv']);
  assert.deepEqual(s.stages[1].layers.map((l) => [l.kernel, l.expand]), [[3, 3], [5, 6], [5, 6]]);
  assert.deepEqual(s.stages[3].layers.map((l) => l.op), ['mbconv', 'attention', 'attention']);
  assert.ok(s.stages.every((st) => st.layers.length === st.depth && st.layers.every((l) => l.width === st.layers[0].width)));
});

test('the widened space admits the family (the shipped one does not), and width-only scaling doubles the MACs at phi = 1', () => {
  const family = [1, 2].map((phi) => scaleBlockGenotype(g, 28, WIDTH_ONLY, phi));
  assert.throws(() => spaceFromDef(mobile).validate(family[1]), /width|resolution|depth/);
  const wide = spaceFromDef(scaledSpaceDef(mobile, family, 28, 'mobile-wide'));
  for (const m of family) assert.deepEqual(wide.validate(m), m);
  assert.ok(wide.validate(g), 'the source stays a genotype of the widened space');
  const macs = (x: BlockGenotype, side: number) => {
    const net = buildNetwork(wide, x, { inShape: [side, side, 1], classes: 10, rng: createRng(0) });
    try { return net.flops(); } finally { net.dispose(); }
  };
  const ratio = macs(family[0], 28) / macs(g, 28);
  assert.ok(ratio > 1.6 && ratio < 2.6, `width x 1.414 at phi 1: MACs x ${ratio.toFixed(2)}`);
  // Resolution scaling alone: MACs go with the area (stride-2 maps round up, so a little less than the square).
  const area = macs(g, 56) / macs(g, 28);
  assert.ok(area > 3.3 && area < 4.2, `side x 2: MACs x ${area.toFixed(2)}`);
});

test('a space that declares resolutions samples, mutates, keys and checks them', () => {
  const def = parseSpaceDef({ ...JSON.parse(readFileSync('space-defs/mobile-blocks.json', 'utf8')), resolution: [24, 28, 32] }, 'test');
  const space = spaceFromDef(def) as unknown as Space<BlockGenotype>;
  const rng = createRng(3);
  const seen = new Set<number>();
  let genotype = space.sample(rng);
  for (let i = 0; i < 60; i++) {
    seen.add(genotype.resolution!);
    genotype = space.mutate(genotype, rng);
  }
  assert.deepEqual([...seen].sort(), [24, 28, 32], 'mutation reaches every resolution');
  const at = (r: number) => ({ ...genotype, resolution: r });
  assert.notEqual(space.key(at(24)), space.key(at(32)));
  assert.match(space.describe(at(24)), /input 24x24/);
  assert.throws(() => space.validate(at(30), 'g.json'), /g\.json: \$\.resolution: expected one of 24, 28, 32/);
  // Without the declaration, genotypes and keys are what they were.
  const plain = spaceFromDef(mobile) as unknown as Space<BlockGenotype>;
  const { resolution: _r, ...bare } = genotype;
  assert.equal(space.key(bare), plain.key(bare));
  assert.equal(spaceFromDef(mobile).hash, plain.hash);
  assert.throws(() => spaceFromDef(parseSpaceDef({ ...JSON.parse(readFileSync('space-defs/seg-blocks.json', 'utf8')), resolution: [64] }, 'seg')), /resolution is a dimension of classification spaces/);
});
