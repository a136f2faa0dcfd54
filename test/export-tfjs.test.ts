import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../search/util/rng.ts';
import { loadSpace, parseSpaceDef, resolveSpacePath, spaceFromDef, type LoadedSpace } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import { readGenotypeArg } from '../search/space/genotype-input.ts';
import { buildGenotypeExport, readGenotypeExport, writeGenotypeExport } from '../search/export/genotype-json.ts';
import { loadExportedModel, saveTfjsModel } from '../search/export/tfjs.ts';
import { modelJsonSchema } from '../search/export/schema.ts';
import { maxAbsDiff, perturbState, randomInput } from './export-fixtures.ts';

await tf.setBackend('cpu');

const SMALL_NB201 = spaceFromDef(parseSpaceDef({
  name: 'nb201-tiny', family: 'tabular-cell', input: { shape: [16, 16, 3], classes: 10 },
  cell: { ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'], nodes: 4 },
  network: { C: 4, cellsPerStage: 1 },
}, 'test'));
const SMALL_BLOCKS = spaceFromDef(parseSpaceDef({
  name: 'blocks-tiny', family: 'block', input: { shape: [16, 16, 3], classes: 10 }, stem: { width: 8, stride: 2 },
  stages: [
    { stride: 2, depth: [1, 2], width: { base: 8, multipliers: [1, 2] }, ops: [{ op: 'conv', kernel: [3] }, { op: 'mbconv', kernel: [3, 5], expand: [1, 3] }] },
    { stride: 2, depth: [1, 2], width: { base: 16, multipliers: [1, 2] }, ops: [{ op: 'mbconv', kernel: [3], expand: [3] }, { op: 'attention', kind: ['window', 'global'] }] },
  ],
  windowSize: 2,
}, 'test'));
const SPACES: LoadedSpace[] = [loadSpace(resolveSpacePath('darts-fmnist-small')), SMALL_NB201, SMALL_BLOCKS];

const tmp = () => mkdtempSync(join(tmpdir(), 'cellscape-export-'));

for (const [i, space] of SPACES.entries()) {
  test(`tfjs export round trip gives identical outputs: ${space.name}`, async () => {
    const dir = tmp();
    const genotype = space.sample(createRng(10 + i));
    const net = buildNetwork(space, genotype, { rng: createRng(20 + i) });
    perturbState(net, 30 + i);
    const doc = buildGenotypeExport({ space, genotype, network: net });
    try {
      await saveTfjsModel(dir, net, doc, { mean: [0.5], std: [0.25] });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      assert.ok(modelJsonSchema.safeParse(json).success);
      assert.ok(readdirSync(dir).some((f) => /^group1-shard1of\d+\.bin$/.test(f)));
      const loaded = await loadExportedModel(dir);
      try {
        const shape = [2, ...net.config.inShape];
        const x = randomInput(shape, 40 + i);
        const [a, b] = [net, loaded.network].map((n) => tf.tidy(() => n.forward(tf.tensor(x, shape), false).dataSync()));
        assert.equal(maxAbsDiff(a, b), 0);
        assert.equal(loaded.space.hash, space.hash);
        assert.deepEqual(loaded.topology.input.normalize, { mean: [0.5], std: [0.25] });
      } finally {
        loaded.network.dispose();
      }
    } finally {
      net.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('loading names a missing weight file and a weight list that does not fit the network', async () => {
  const dir = tmp();
  const space = SMALL_NB201;
  const genotype = space.sample(createRng(1));
  const net = buildNetwork(space, genotype);
  try {
    await saveTfjsModel(dir, net, buildGenotypeExport({ space, genotype, network: net }), null);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights = json.weightsManifest[0].weights.slice(1);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await assert.rejects(loadExportedModel(dir), /model\.json: .*missing \[backbone\.stem\.conv\.kernel\]/);
    rmSync(join(dir, 'group1-shard1of1.bin'));
    await assert.rejects(loadExportedModel(dir), /weight file group1-shard1of1\.bin: cannot read \(ENOENT\)/);
  } finally {
    net.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('genotype.json is read back by the genotype reader (inspect, --seed-genotypes) and by its own schema', () => {
  const dir = tmp();
  try {
    for (const space of SPACES) {
      const genotype = space.sample(createRng(5));
      const net = buildNetwork(space, genotype);
      const doc = buildGenotypeExport({ space, genotype, network: net });
      net.dispose();
      const path = join(dir, `${space.name}.json`);
      writeGenotypeExport(path, doc);
      const input = readGenotypeArg(path);
      assert.equal(input.family, space.family);
      assert.equal(input.space, space.name);
      assert.equal(space.key(space.validate(input.genotype) as never), doc.key);
      const back = readGenotypeExport(path);
      assert.equal(back.space.hash, space.hash);
      assert.deepEqual(back.genotype, genotype);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a genotype.json with a bad field or an edited space is refused, naming the field', () => {
  const dir = tmp();
  try {
    const space = SPACES[0];
    const genotype = space.sample(createRng(6));
    const net = buildNetwork(space, genotype);
    const doc = buildGenotypeExport({ space, genotype, network: net });
    net.dispose();
    const path = join(dir, 'g.json');
    writeFileSync(path, JSON.stringify({ ...doc, schemaVersion: 3 }));
    assert.throws(() => readGenotypeExport(path), /g\.json: \$\.schemaVersion: expected 2/);
    const edited = structuredClone(doc) as { space: { definition: { network: { C: number } } } };
    edited.space.definition.network.C = 12;
    writeFileSync(path, JSON.stringify(edited));
    assert.throws(() => readGenotypeExport(path), /\$\.space\.hash: .* does not match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
