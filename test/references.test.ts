/** The shipped reference architectures are genotypes of their spaces and build the networks their notes describe. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { REFERENCE_ARCHITECTURES, referencesOf } from '../search/space/references.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { Module } from '../search/nn/module.ts';
import type { Genotype, Space } from '../search/space/types.ts';
import { readGenotypeArg } from '../search/space/genotype-input.ts';

await tf.setBackend('cpu');

const kinds = (m: Module, out = new Set<string>()): Set<string> => {
  out.add(m.kind);
  for (const [, c] of m.children()) kinds(c, out);
  return out;
};

test('every reference validates in its space, builds, and uses the modules of its family', () => {
  const expected: Record<string, string[]> = {
    'pspnet-like': ['ppm_head'], 'setr-like': ['pup_head', 'global_msa'], 'segmenter-like': ['mask_transformer_head', 'global_msa'],
    'swin-upernet-like': ['upernet_head', 'window_msa'], 'bisenet-like': ['two_path_backbone', 'arm_context_path'], 'hardnet-like': ['harmonic_dense_block', 'fpn_head'],
  };
  assert.equal(new Set(REFERENCE_ARCHITECTURES.map((r) => r.name)).size, REFERENCE_ARCHITECTURES.length, 'names are unique');
  for (const ref of REFERENCE_ARCHITECTURES) {
    const loaded = loadSpace(resolveSpacePath(ref.space));
    const space = loaded as unknown as Space<Genotype>;
    const valid = space.validate(ref.genotype, ref.name);
    assert.equal(space.key(valid), space.key(ref.genotype), `${ref.name}: the shipped genotype is canonical`);
    const net = buildNetwork(loaded, valid);
    try {
      const found = kinds(net);
      for (const k of expected[ref.name] ?? []) assert.ok(found.has(k), `${ref.name} lacks ${k}`);
      assert.ok(net.paramCount() > 0 && net.flops() > 0);
    } finally {
      net.dispose();
    }
  }
  const psp = referencesOf('seg-blocks').find((r) => r.name === 'pspnet-like')!;
  const space = loadSpace(resolveSpacePath('seg-blocks'));
  const net = buildNetwork(space, psp.genotype);
  assert.deepEqual(net.backbone.featureShapes([64, 64, 1]).map((s) => 64 / s[0]), [4, 8], 'PSPNet reads its deepest map at 1/8');
  net.dispose();
  assert.ok(referencesOf('darts-fmnist-small').length >= 3);
});

test('a reference is named on the command line as published genotypes are, with its own space', () => {
  const input = readGenotypeArg('swin-upernet-like');
  assert.equal(input.family, 'block');
  assert.equal(input.space, 'seg-blocks');
  assert.equal((input.genotype as { head: string }).head, 'upernet');
  assert.throws(() => readGenotypeArg('no-such-net'), /known genotype \(.*pspnet-like/);
});
