import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx } from '../search/onnx/export.ts';
import { openOnnxSession, runOnnx } from '../search/onnx/session.ts';
import { onnxRuntime } from '../search/latency/onnx-runtime.ts';
import { buildDartsSupernet } from '../search/nn/index.ts';
import { createRng } from '../search/util/rng.ts';
import type { Layer, Module } from '../search/nn/index.ts';
import { CELL_OPS, NB201_OPS } from '../search/space/ops.ts';
import { FIXTURES, maxAbsDiff, perturbState, randomInput } from './export-fixtures.ts';

await tf.setBackend('cpu');

for (const [i, f] of FIXTURES.entries()) {
  test(`onnxruntime gives the tfjs outputs: ${f.name}`, async (t) => {
    const net = f.build();
    perturbState(net, 100 + i);
    const shape = [2, ...net.config.inShape];
    const x = randomInput(shape, 200 + i);
    const expected = tf.tidy(() => net.forward(tf.tensor(x, shape), false).dataSync());
    const outShape = [2, ...net.outputShape()];
    const session = await openOnnxSession(exportOnnx(net));
    try {
      const y = await runOnnx(session, x, shape);
      assert.deepEqual(y.dims, outShape);
      const diff = maxAbsDiff(y.data, expected);
      t.diagnostic(`max abs difference ${diff.toExponential(2)} over ${expected.length} outputs`);
      assert.ok(diff <= 1e-4, `max abs difference ${diff}`);
    } finally {
      await session.release();
      net.dispose();
    }
  });
}

/** Every module below `m`, with the reduction flag of the DARTS cell it sits in. */
function walk(m: Module, inReduction = false, out: { m: Module; reduction: boolean }[] = []): { m: Module; reduction: boolean }[] {
  const reduction = m.kind === 'darts_cell' ? Boolean((m.config as { reduction: boolean }).reduction) : inReduction;
  out.push({ m, reduction });
  for (const [, c] of m.children()) walk(c, reduction, out);
  return out;
}

test('the fixtures use every operation of every space, in normal and reduction cells, and every head', () => {
  const nets = FIXTURES.map((f) => f.build());
  try {
    const all = nets.flatMap((n) => walk(n));
    const opNames = (pred: (e: { m: Module; reduction: boolean }) => boolean): Set<string> =>
      new Set(all.filter(pred).map((e) => (e.m as Layer).opName).filter((n): n is string => n !== undefined));
    const dartsNets = nets.filter((n) => n.backbone.kind === 'darts_backbone').flatMap((n) => walk(n));
    const cellOps = (reduction: boolean) => new Set(dartsNets.filter((e) => e.reduction === reduction).map((e) => (e.m as Layer).opName).filter(Boolean));
    for (const op of CELL_OPS) {
      assert.ok(cellOps(false).has(op), `normal cells lack ${op}`);
      assert.ok(cellOps(true).has(op), `reduction cells lack ${op}`);
    }
    const nb201 = new Set(nets.filter((n) => n.backbone.kind === 'nb201_backbone').flatMap((n) => walk(n)).map((e) => (e.m as Layer).opName));
    for (const op of NB201_OPS) assert.ok(nb201.has(op), `NB201 lacks ${op}`);
    const blockNames = opNames(() => true);
    for (const op of ['conv_k3', 'mbconv_k5e1', 'mbconv_k3e3', 'mbconv_k7e6', 'win_attn', 'attention', 'hardnet_k3', 'vit']) assert.ok(blockNames.has(op), `block nets lack ${op}`);
    const kinds = new Set(all.map((e) => e.m.kind));
    for (const k of ['classifier_head', 'upsample_head', 'ppm_head', 'fpn_head', 'upernet_head', 'pup_head', 'mask_transformer_head', 'factorized_reduce', 'zero', 'residual', 'seg_cell_backbone', 'min_stride_backbone', 'two_path_backbone', 'channel_attention', 'arm_context_path', 'attention_refinement', 'harmonic_dense_block']) assert.ok(kinds.has(k), `no ${k}`);
    assert.ok(all.some((e) => e.m.kind === 'window_msa' && (e.m.config as { shift: boolean }).shift), 'no shifted window attention');
    assert.ok(all.some((e) => e.m.kind === 'window_msa' && (e.m.config as { heads: number }).heads > 1), 'no multi-head window attention');
  } finally {
    nets.forEach((n) => n.dispose());
  }
});

test('onnxruntime latency times batch-1 runs and reports their median and interquartile range', async () => {
  const net = FIXTURES[2].build();
  try {
    const m = await onnxRuntime.measure(net, net.config.inShape, { warmup: 1, repeats: 5 });
    assert.equal(m.samplesMs.length, 5);
    const sorted = [...m.samplesMs].sort((a, b) => a - b);
    assert.ok(sorted[0] > 0 && sorted[0] <= m.medianMs && m.medianMs <= sorted[4]);
    assert.ok(m.iqrMs >= 0 && m.iqrMs <= sorted[4] - sorted[0]);
    await assert.rejects(onnxRuntime.measure(net, net.config.inShape, { warmup: 0, repeats: 0 }), /repeats must be at least 1/);
  } finally {
    net.dispose();
  }
});

test('a supernet is refused with a message that says what to export instead', () => {
  const net = buildDartsSupernet(['none', 'skip_connect', 'sep_conv_3x3'], 4, 2, 2, { classes: 10, inShape: [8, 8, 1] }, createRng(0));
  try {
    assert.throws(() => exportOnnx(net), /mixed_op' is not supported \(a supernet mixes all operations: derive a genotype/);
  } finally {
    net.dispose();
  }
});
