/**
 * The pieces of a CPU-sized DARTS: partial channels and edge normalisation (PC-DARTS), Dirichlet
 * weights and their KL term (DrNAS), the auxiliary skip (DARTS-), Gumbel-max paths (GDAS), the
 * constrained latency loss, and edge entropies; on the cpu backend with small real tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PartialChannelMixedOp, shuffledChannel } from '../search/nn/partial-channel.ts';
import { AuxiliarySkipEdge } from '../search/nn/auxiliary-skip.ts';
import { MixedOp } from '../search/nn/darts.ts';
import { createArchParams, derivationWeights, edgeWeights, readMixingWeights, rowEntropies } from '../search/strategies/darts/arch.ts';
import { concentrations, digamma, klToUniformDirichlet, logGamma, sampleDirichlet, trigamma } from '../search/strategies/darts/dirichlet.ts';
import { auxSkipAt, dirichletKl, remedyMixer, remedySchema } from '../search/strategies/darts/remedies.ts';
import { gumbel, sampleGumbel, tauAt } from '../search/strategies/darts/gumbel.ts';
import { expectedLatency, latencyAwareLoss, latencyLossSchema, nextMultiplier, pricedOps, uniformLatency, type LatencyMatrices } from '../search/strategies/darts/latency.ts';
import { createRng } from '../search/util/rng.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellscapeInProcess } from './cli-in-process.ts';

await tf.setBackend('cpu');

const OPS = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('channel shuffle places channel c as PyTorch view(groups, C/groups) + transpose does', () => {
  // PyTorch: x.view(b, g, C/g, h, w).transpose(1, 2).view(b, C, h, w): output channel j*g + i holds input channel i*(C/g) + j.
  const C = 12, g = 4;
  const expected = new Array<number>(C);
  for (let i = 0; i < g; i++) for (let j = 0; j < C / g; j++) expected[i * (C / g) + j] = j * g + i;
  assert.deepEqual(Array.from({ length: C }, (_, c) => shuffledChannel(c, C, g)), expected);
});

test('partial channels: 1/K of the channels go through the mixed op, the rest bypass it into their shuffled places', () => {
  const C = 8, k = 4;
  const op = new PartialChannelMixedOp(['skip_connect', 'max_pool_3x3'], C, 1, k, createRng(0));
  const x = tf.randomNormal([2, 5, 5, C], 0, 1, 'float32', 3);
  // All weight on skip_connect: the mixed part is the identity too, so the output is the input shuffled.
  const y = op.forwardWeighted(x, tf.tensor1d([1, 0]), true);
  assert.deepEqual(y.shape, [2, 5, 5, C]);
  const xs = x.arraySync() as number[][][][], ys = y.arraySync() as number[][][][];
  for (let c = 0; c < C; c++) close(ys[1][2][3][shuffledChannel(c, C, k)], xs[1][2][3][c], 1e-5, `channel ${c}`);
  // The mixed op runs on C/K channels: its parameters and MACs are those of a C/K-channel MixedOp.
  const narrow = new MixedOp(['skip_connect', 'max_pool_3x3'], C / k, 1, createRng(0));
  assert.equal(op.paramCount(), narrow.paramCount());
  assert.equal(op.flops([5, 5, C]), narrow.flops([5, 5, C / k]));
  tf.dispose([x, y]);
  op.dispose(); narrow.dispose();
});

test('partial channels on a reducing edge: the bypass is max-pooled to the ops\' output size, gradients reach the weights', () => {
  const op = new PartialChannelMixedOp(OPS, 8, 2, 2, createRng(0));
  const x = tf.randomNormal([2, 7, 7, 8], 0, 1, 'float32', 4);
  const w = tf.variable(tf.tensor1d([0.1, 0.2, 0.3, 0.4]));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(op.forwardWeighted(x, w, true))) as tf.Scalar, [w]);
  assert.deepEqual(op.outputShape([7, 7, 8]), [4, 4, 8]);
  const g = grads[w.name].dataSync();
  assert.equal(g[0], 0, 'none contributes nothing');
  assert.ok(g[1] !== 0 && g[2] !== 0 && g[3] !== 0 && Number.isFinite(value.dataSync()[0]), Array.from(g).join(','));
  tf.dispose([x, w, value, ...Object.values(grads)]);
  op.dispose();
});

test('partial channels refuse a K that does not divide the channels', () => {
  assert.throws(() => new PartialChannelMixedOp(OPS, 8, 1, 3, createRng(0)), /K=3 must be a whole divisor of the edge's 8 channels/);
});

test('edge normalisation: the edge weights into each node sum to 1 and scale the derivation rows', () => {
  const arch = createArchParams(OPS, 2, createRng(1), { edgeNormalization: true });
  assert.deepEqual(arch.named.map((n) => n.name), ['alpha.normal', 'alpha.reduce', 'edge.normal', 'edge.reduce']);
  arch.edges!.normal.assign(tf.tensor1d([2, 0, 0, 1, 0]));
  const e = edgeWeights(arch)!;
  const n = Array.from(e.normal.dataSync());
  close(n[0] + n[1], 1, 1e-6, 'node 0');
  close(n[2] + n[3] + n[4], 1, 1e-6, 'node 1');
  assert.ok(n[0] > n[1] && n[3] > n[2]);
  const rows = readMixingWeights(arch).normal, scaled = derivationWeights(arch).normal;
  for (let i = 0; i < 5; i++) close(scaled[i][3], rows[i][3] * n[i], 1e-6, `edge ${i}`);
  tf.dispose([e.normal, e.reduce]);
  arch.dispose();
  assert.equal(createArchParams(OPS, 2, createRng(1)).edges, null, 'none without edge normalisation');
});

test('edge entropy: ln(ops) for uniform rows, 0 for one-hot rows', () => {
  const [u, h] = rowEntropies([[0.25, 0.25, 0.25, 0.25], [0, 1, 0, 0]]);
  close(u, Math.log(4), 1e-9, 'uniform');
  assert.equal(h, 0);
});

test('log-gamma, digamma and trigamma agree with known values', () => {
  close(logGamma(5), Math.log(24), 1e-10, 'lnG(5)');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-10, 'lnG(1/2)');
  close(digamma(1), -0.5772156649015329, 1e-9, 'psi(1)');
  close(trigamma(1), Math.PI ** 2 / 6, 1e-9, 'psi1(1)');
  close(digamma(0.3), (logGamma(0.3 + 1e-5) - logGamma(0.3 - 1e-5)) / 2e-5, 1e-5, 'psi as the derivative of lnG');
});

test('Dirichlet samples: rows on the simplex, mean near c / sum(c), gradients reach alpha', () => {
  const alpha = tf.variable(tf.tensor2d([[2, 0, -0.5, 0], [0.5, 0.5, 0.5, 0.5]]));
  const c = concentrations(alpha).arraySync() as number[][];
  const rng = createRng(7);
  const n = 2000;
  const mean = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const s = tf.tidy(() => sampleDirichlet(alpha, rng).arraySync() as number[][]);
    close(s[0].reduce((a, b) => a + b, 0), 1, 1e-5, 'row sum');
    s[0].forEach((v, j) => { mean[j] += v / n; });
  }
  const c0 = c[0].reduce((a, b) => a + b, 0);
  // Standard error of a Dirichlet mean over 2,000 draws is below 0.01 here.
  mean.forEach((m, j) => close(m, c[0][j] / c0, 0.03, `mean of component ${j}`));
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(sampleDirichlet(alpha, createRng(1)), tf.tensor2d([[1, 0, 0, 0], [1, 0, 0, 0]]))) as tf.Scalar, [alpha]);
  assert.ok((grads[alpha.name].arraySync() as number[][])[0][0] > 0, 'raising alpha raises the expected share');
  tf.dispose([alpha, ...Object.values(grads)]);
});

test('KL(Dir(c) || Dir(1)): 0 at c = 1, positive elsewhere, with the gradient of finite differences', () => {
  const kl = (c: number[][]): number => tf.tidy(() => klToUniformDirichlet(tf.tensor2d(c)).dataSync()[0]);
  close(kl([[1, 1, 1]]), 0, 1e-9, 'KL at the prior');
  const c = [[2, 0.5, 1.3], [0.7, 0.7, 3]];
  assert.ok(kl(c) > 0);
  const x = tf.variable(tf.tensor2d(c));
  const { grads } = tf.variableGrads(() => klToUniformDirichlet(x as tf.Tensor2D), [x]);
  const g = grads[x.name].arraySync() as number[][];
  for (const [r, j] of [[0, 0], [0, 1], [1, 2]]) {
    const up = c.map((row) => [...row]), down = c.map((row) => [...row]);
    up[r][j] += 1e-3; down[r][j] -= 1e-3;
    close(g[r][j], (kl(up) - kl(down)) / 2e-3, 1e-2, `dKL/dc[${r}][${j}]`);
  }
  tf.dispose([x, ...Object.values(grads)]);
  const arch = createArchParams(OPS, 2, createRng(1));
  arch.normal.assign(tf.zeros([5, 4])); arch.reduce.assign(tf.zeros([5, 4]));
  close(tf.tidy(() => dirichletKl(arch).dataSync()[0]), 0, 1e-6, 'alpha 0 is the uniform Dirichlet');
  arch.dispose();
});

test('DARTS- auxiliary skip: beta * x added to the edge, beta decaying linearly to 0 over the search', () => {
  assert.equal(auxSkipAt({ kind: 'darts-minus', weight: 1 }, 0, 100), 1);
  close(auxSkipAt({ kind: 'darts-minus', weight: 1 }, 75, 100), 0.25, 1e-12, 'three quarters in');
  assert.equal(auxSkipAt({ kind: 'beta', weight: 1 }, 0, 100), 0);
  const edge = new AuxiliarySkipEdge(new MixedOp(['max_pool_3x3', 'sep_conv_3x3'], 4, 1, createRng(0)), 4, 1, createRng(0));
  const x = tf.randomNormal([1, 5, 5, 4], 0, 1, 'float32', 5);
  const w = tf.tensor1d([0.5, 0.5]);
  const plain = edge.forwardWeighted(x, w, false);
  const withSkip = edge.forwardWeighted(x, w, false, { auxSkip: 0.3 });
  const diff = tf.sub(tf.sub(withSkip, plain), tf.mul(x, 0.3));
  close(tf.max(tf.abs(diff)).dataSync()[0], 0, 1e-5, 'difference is 0.3 x');
  tf.dispose([x, w, plain, withSkip, diff]);
  edge.dispose();
});

const softmaxOf = (xs: number[]): number[] => { const m = Math.max(...xs); const e = xs.map((x) => Math.exp(x - m)); const z = e.reduce((a, b) => a + b, 0); return e.map((x) => x / z); };

test('GDAS draws: one-hot weights at argmax(alpha + Gumbel), drawn as often as softmax(alpha) says, with the straight-through gradient of softmax((alpha + g) / tau)', () => {
  const rows = [[0.5, -1, 1.5, 0], [0, 0, 0, 2], [-0.3, 0.8, 0.1, 0.2]];
  const alpha = tf.variable(tf.tensor2d(rows));
  const tau = 2;
  // The noise, redrawn from a generator of the same seed in the same (row-major) order.
  const g = ((r) => rows.map((row) => row.map(() => gumbel(r))))(createRng(9));
  const draw = sampleGumbel(alpha as tf.Tensor2D, createRng(9), tau);
  const hot = draw.weights.arraySync();
  rows.forEach((row, e) => {
    const noisy = row.map((a, k) => a + g[e][k]);
    assert.equal(draw.index[e], noisy.indexOf(Math.max(...noisy)), `edge ${e}: the index is argmax(alpha + g)`);
    assert.deepEqual(hot[e], row.map((_, k) => (k === draw.index[e] ? 1 : 0)), `edge ${e}: exactly one-hot in value`);
  });
  draw.weights.dispose();
  // d/d alpha of sum(C * weights) is the softmax's Jacobian at (alpha + g) / tau applied to C, over tau.
  const C = [[1, -2, 0.5, 3], [0, 1, 2, -1], [2, 2, -1, 0.5]];
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(sampleGumbel(alpha as tf.Tensor2D, createRng(9), tau).weights, tf.tensor2d(C))) as tf.Scalar, [alpha]);
  const got = grads[alpha.name].arraySync() as number[][];
  rows.forEach((row, e) => {
    const p = softmaxOf(row.map((a, k) => (a + g[e][k]) / tau));
    const pc = p.reduce((s, pk, k) => s + pk * C[e][k], 0);
    p.forEach((pk, k) => close(got[e][k], (pk * (C[e][k] - pc)) / tau, 1e-6, `d/d alpha[${e}][${k}]`));
  });
  close(value.dataSync()[0], rows.reduce((s, _, e) => s + C[e][draw.index[e]], 0), 1e-6, 'the loss sees the one-hot weights');
  tf.dispose([value, ...Object.values(grads)]);
  // Gumbel-max draws op k with probability softmax(alpha)[k], whatever tau.
  const rng = createRng(4);
  const counts = rows.map((r) => r.map(() => 0));
  const n = 1500;
  for (let i = 0; i < n; i++) {
    const d = sampleGumbel(alpha as tf.Tensor2D, rng, 0.1);
    d.weights.dispose();
    d.index.forEach((k, e) => { counts[e][k]++; });
  }
  // Binomial standard error at n = 1500 is at most 0.013.
  rows.forEach((row, e) => softmaxOf(row).forEach((pk, k) => close(counts[e][k] / n, pk, 0.045, `share of op ${k} on edge ${e}`)));
  alpha.dispose();
});

test('GDAS tau: linear per epoch from its start to 0.1 over the searching epochs; the remedy refuses a start under 0.1', () => {
  assert.deepEqual([0, 1, 2, 3].map((e) => Number(tauAt(10, e, 4).toFixed(6))), [10, 6.7, 3.4, 0.1]);
  assert.equal(tauAt(10, -1, 4), 10, 'a warm-up epoch keeps the start');
  assert.equal(tauAt(5, 0, 1), 5, 'one searching epoch: the start');
  assert.equal(remedySchema.parse({ kind: 'gdas', weight: 10 }).weight, 10);
  assert.throws(() => remedySchema.parse({ kind: 'gdas', weight: 0.05 }), /tau's start/);
});

test('a GDAS edge computes its drawn op alone, and its other ops\' alphas get the summed output gradient (NAS-Bench-201 forward_gdas), by hand', () => {
  const op = new MixedOp(OPS, 4, 1, createRng(2));
  const x = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 6);
  const R = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 7);
  const row = [0.2, -0.4, 0.3, 0.1];
  // A one-node cell has 2 edges; edge 0 of the normal cell is the one under test (its noise drawn first).
  const arch = createArchParams(OPS, 1, createRng(0));
  arch.normal.assign(tf.tensor2d([row, row]));
  const alpha = arch.normal;
  const tau = 10;
  const sumR = tf.sum(R).dataSync()[0];
  // Each op's output alone (BN on batch statistics: a function of x).
  const outs = OPS.map((_, k) => op.forwardWeighted(x, tf.oneHot(k, OPS.length).asType('float32'), true));
  const seen = new Set<number>();
  for (let seed = 0; seed < 40 && seen.size < OPS.length; seed++) {
    const g = ((r) => row.map(() => gumbel(r)))(createRng(seed));
    const p = softmaxOf(row.map((a, k) => (a + g[k]) / tau));
    const drawn = row.map((a, k) => a + g[k]).reduce((best, v, k, xs) => (v > xs[best] ? k : best), 0);
    // Without the term a drawn `none` leaves the loss unconnected to alpha (its gradient is 0, NASNet-space GDAS's too).
    for (const othersAsBias of OPS[drawn] === 'none' ? [true] : [true, false]) {
      const mixer = remedyMixer({ kind: 'gdas', weight: tau }, arch, { rng: createRng(seed), step: 0, totalSteps: 1, epoch: 0, epochs: 1 });
      let index = -1;
      let y: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const mix = mixer();
        index = mix.paths!.normal![0] as number;
        assert.equal(mix.othersAsBias, true);
        const out = op.forwardWeighted(x, tf.unstack(mix.normal)[0], true, { only: index, othersAsBias });
        y = tf.keep(tf.clone(out));
        return tf.sum(tf.mul(out, R)) as tf.Scalar;
      }, [alpha]);
      assert.equal(index, drawn, `seed ${seed}: the path is argmax(alpha + g)`);
      seen.add(index);
      close(tf.max(tf.abs(tf.sub(y!, outs[index]))).dataSync()[0], 0, 1e-6, `seed ${seed}: the edge's value is op ${OPS[index]}'s output`);
      // G: the loss's gradient to each op's weight: <R, op(x)> for the drawn op; for the others sum(R) with the term, 0 without.
      const G = OPS.map((_, k) => (k === index ? tf.sum(tf.mul(outs[k], R)).dataSync()[0] : othersAsBias ? sumR : 0));
      const pG = p.reduce((s, pk, k) => s + pk * G[k], 0);
      const got = grads[alpha.name].dataSync(); // edge 0's row first
      p.forEach((pk, k) => close(got[k], (pk * (G[k] - pG)) / tau, 1e-4 * (1 + Math.abs(sumR)), `seed ${seed}, others as bias ${othersAsBias}: d/d alpha[${k}]`));
      tf.dispose([value, y!, ...Object.values(grads)]);
    }
  }
  assert.equal(seen.size, OPS.length, `every op drawn in some seed, none included: ${[...seen]}`);
  tf.dispose([x, R, ...outs]);
  arch.dispose();
  op.dispose();
});

test('lagrange latency: the multiplier rises while over the target and falls to 0 under it, where the loss is the cross-entropy', () => {
  const cfg = latencyLossSchema.parse({ weight: 0.5, form: 'lagrange', targetMs: 10 });
  assert.throws(() => latencyLossSchema.parse({ weight: 0.5, form: 'lagrange' }), /target/);
  let m = 0;
  m = nextMultiplier(m, 20, cfg);
  close(m, 0.5, 1e-12, 'over by 100%');
  m = nextMultiplier(m, 12, cfg);
  close(m, 0.6, 1e-12, 'still over');
  for (let i = 0; i < 10; i++) m = nextMultiplier(m, 5, cfg);
  assert.equal(m, 0, 'met: no pressure left');
  // With lambda 0 the latency term has no gradient: nothing rewards a cheaper op any more.
  const LAT: LatencyMatrices = { normal: [[0, 0.1, 2]], reduce: [[0, 0.1, 2]] };
  const alpha = tf.variable(tf.zeros([1, 3]));
  const loss = (mult: number) => (): tf.Scalar => latencyAwareLoss(tf.scalar(1), expectedLatency({ normal: tf.softmax(alpha), reduce: tf.softmax(alpha) }, LAT), cfg, 1, mult);
  const g0 = tf.variableGrads(loss(0), [alpha]);
  assert.deepEqual(Array.from(g0.grads[alpha.name].dataSync()), [0, 0, 0]);
  const g1 = tf.variableGrads(loss(1), [alpha]);
  const d = g1.grads[alpha.name].dataSync();
  assert.ok(d[2] > 0 && d[0] < 0, 'over the target it pushes off the slow op');
  tf.dispose([alpha, g0.value, g1.value, ...Object.values(g0.grads), ...Object.values(g1.grads)]);
});

test('latency over the weighted ops: no gradient on a parameter-free op\'s alpha, and descent favours the cheaper of two convolutions', () => {
  // As on this backend's table (section 9 of darts-search-defaults.md): skip almost free, avg_pool the dearest, sep dearer than dil.
  const ops = ['none', 'skip_connect', 'avg_pool_3x3', 'sep_conv_3x3', 'dil_conv_3x3'];
  const row = [0, 0.01, 0.5, 0.35, 0.1];
  const LAT: LatencyMatrices = { normal: [row, row], reduce: [row, row] };
  const priced = pricedOps(ops, 'weighted');
  assert.deepEqual(priced, { weighted: [false, false, false, true, true], dearFree: false });
  assert.equal(pricedOps(ops, 'all'), null);
  assert.throws(() => pricedOps(['none', 'skip_connect', 'max_pool_3x3'], 'weighted'), /none with weights/);
  // Uniform over the two convolutions, per edge, summed over 4 edges.
  close(uniformLatency(LAT, priced), 4 * (0.35 + 0.1) / 2, 1e-9, 'uniform expectation over the weighted ops');
  const rng = createRng(3);
  const alpha = tf.variable(tf.tensor2d(Array.from({ length: 2 }, () => ops.map(() => rng.normal()))));
  const gradOf = (p: ReturnType<typeof pricedOps>, cfg: Parameters<typeof latencyAwareLoss>[2], mult = 0): number[][] => {
    const loss = (): tf.Scalar => latencyAwareLoss(tf.scalar(1), expectedLatency({ normal: tf.softmax(alpha), reduce: tf.softmax(alpha) }, LAT, p), cfg, uniformLatency(LAT, p), mult);
    const { value, grads } = tf.variableGrads(loss, [alpha]);
    const g = grads[alpha.name].arraySync() as number[][];
    tf.dispose([value, ...Object.values(grads)]);
    return g;
  };
  const penalty = { weight: 1, form: 'linear' as const };
  const lagrange = latencyLossSchema.parse({ weight: 0.05, form: 'lagrange', targetMs: 0.5, ops: 'weighted' });
  for (const [what, g] of [['penalty', gradOf(priced, penalty)], ['lagrange', gradOf(priced, lagrange, 1)]] as const) {
    for (const r of g) {
      const scale = Math.abs(r[3]);
      assert.ok(scale > 1e-3, `${what}: the convolutions get a gradient (${r})`);
      for (const k of [0, 1, 2]) assert.ok(Math.abs(r[k]) < 1e-5 * scale, `${what}: ${ops[k]}'s gradient ${r[k]} is not 0 (conv ${scale})`);
      assert.ok(r[3] > 0 && r[4] < 0, `${what}: descent moves weight from sep (0.35 ms) to dil (0.1 ms): ${r}`);
    }
  }
  // Over all ops the same term rewards the skip for being cheap: what the weighted form removes.
  for (const r of gradOf(null, penalty)) assert.ok(r[1] < -1e-3, `all ops: the skip is pushed up (${r})`);
  alpha.dispose();
});

test('latency ops priced: a parameter-free op dearer than its edge\'s weighted expectation is pushed down, none is ever rewarded, under softmax and Dirichlet weights', () => {
  // Normal-cell order of this backend's table (darts-search-defaults.md section 9): skip and max_pool cheap, avg_pool the dearest, sep dearer than dil.
  const ops = ['none', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3', 'sep_conv_3x3', 'dil_conv_3x3'];
  const row = [0, 0.01, 0.05, 0.5, 0.35, 0.1];
  const FREE = [0, 1, 2, 3], AVG = 3, SEP = 4, DIL = 5;
  const LAT: LatencyMatrices = { normal: [row, row, row], reduce: [row, row, row] };
  const priced = pricedOps(ops, 'priced')!;
  assert.deepEqual(priced, { weighted: [false, false, false, false, true, true], dearFree: true });
  assert.equal(latencyLossSchema.parse({ weight: 1, form: 'linear', ops: 'priced' }).ops, 'priced');
  // Value: per edge E_w plus each parameter-free op's odds times its excess over E_w; at uniform weights the odds are 1/2.
  const mean = (0.35 + 0.1) / 2;
  close(uniformLatency(LAT, priced), 6 * (mean + (0.5 - mean) / 2), 1e-9, 'uniform priced expectation (only avg_pool is over the mean)');
  const atUniform = tf.tidy(() => expectedLatency({ normal: tf.fill([3, 6], 1 / 6), reduce: tf.fill([3, 6], 1 / 6) }, LAT, priced).dataSync()[0]);
  close(atUniform, uniformLatency(LAT, priced), 1e-5, 'expectedLatency at uniform weights');

  type Terms = (w: tf.Tensor2D) => tf.Scalar;
  const weightedOnly = pricedOps(ops, 'weighted')!;
  const real: Terms = (w) => expectedLatency({ normal: w, reduce: w }, LAT, priced);
  // The two ablations the form rules out, written out here so that the assertions below are seen to catch them.
  const ablated = (o: { hinge: boolean; odds: boolean }): Terms => (w) => tf.tidy(() => {
    const L = tf.tensor2d(LAT.normal);
    const mask = tf.tensor1d(weightedOnly.weighted.map(Number));
    const mass = tf.sum(tf.mul(w, mask), 1, true);
    const perEdge = tf.sum(tf.mul(tf.div(tf.mul(w, mask), mass), L), 1, true);
    const share = o.odds ? tf.div(tf.mul(w, tf.sub(1, mask)), mass) : tf.mul(w, tf.sub(1, mask));
    const ref = tf.tensor(perEdge.arraySync() as number[][]);
    const diff = tf.sub(L, ref);
    return tf.mul(2, tf.add(tf.sum(perEdge), tf.sum(tf.mul(share, o.hinge ? tf.relu(diff) : diff)))) as tf.Scalar;
  });
  const grad = (terms: Terms, alpha: tf.Variable, mix: (a: tf.Tensor2D) => tf.Tensor2D, mult = 0, cfg: Parameters<typeof latencyAwareLoss>[2] = { weight: 1, form: 'linear', ops: 'priced' }): number[][] => {
    const { value, grads } = tf.variableGrads(() => latencyAwareLoss(tf.scalar(1), terms(mix(alpha as unknown as tf.Tensor2D)), cfg, uniformLatency(LAT, priced), mult), [alpha]);
    const g = grads[alpha.name].arraySync() as number[][];
    tf.dispose([value, ...Object.values(grads)]);
    return g;
  };
  // >= 0 up to float32 rounding (1e-6 of the row's largest gradient).
  const neverRewarded = (g: number[][]): boolean => g.every((r) => FREE.every((k) => r[k] >= -1e-6 * Math.max(...r.map(Math.abs))));
  const rng = createRng(11);
  const lagrange = latencyLossSchema.parse({ weight: 0.05, form: 'lagrange', targetMs: 0.3, ops: 'priced' });
  for (let trial = 0; trial < 4; trial++) {
    const alpha = tf.variable(tf.tensor2d(Array.from({ length: 3 }, () => ops.map(() => rng.normal()))));
    const softmax = (a: tf.Tensor2D): tf.Tensor2D => tf.softmax(a);
    const dirichletRng = createRng(100 + trial);
    const dirichlet = (a: tf.Tensor2D): tf.Tensor2D => sampleDirichlet(a, dirichletRng);
    for (const [what, g] of [['penalty', grad(real, alpha, softmax)], ['lagrange', grad(real, alpha, softmax, 1, lagrange)], ['penalty, Dirichlet sample', grad(real, alpha, dirichlet)]] as const) {
      assert.ok(neverRewarded(g), `${what}: a parameter-free alpha is rewarded: ${JSON.stringify(g)}`);
      for (const r of g) {
        assert.ok(r[AVG] > 1e-4, `${what}: avg_pool, dearer than the convolutions, is pushed down (${r})`);
        // skip, max_pool and zero are under E_w on every edge: their terms are 0, so is their gradient.
        for (const k of [0, 1, 2]) assert.ok(Math.abs(r[k]) < 1e-5 * r[AVG], `${what}: ${ops[k]}'s gradient ${r[k]} is not 0`);
      }
    }
    // Without the max(0, .) the cheap ops' negative excess rewards them; with p_f in place of the odds the
    // softmax couples the alphas and the skip is rewarded for taking weight from avg_pool.
    assert.ok(!neverRewarded(grad(ablated({ hinge: false, odds: true }), alpha, softmax)), 'without max(0, .) a cheap op is rewarded');
    assert.ok(!neverRewarded(grad(ablated({ hinge: true, odds: false }), alpha, softmax)), 'with p_f for r_f a cheap op is rewarded');
    assert.ok(neverRewarded(grad(ablated({ hinge: true, odds: true }), alpha, softmax)), 'the written-out form agrees with the built one');
    alpha.dispose();
  }

  // Descent: avg_pool's weight falls, and with avg_pool ahead (odds above 1) the cheaper convolution is still favoured: the
  // excess's reference is a constant, or raising the dearer convolution would shrink the excess and be rewarded.
  const alpha = tf.variable(tf.tensor2d([[0, 0, 0, 3, 0, 0]]));
  const one: LatencyMatrices = { normal: [row], reduce: [row] };
  const avgShare = (): number => tf.tidy(() => tf.softmax(alpha).dataSync()[AVG]);
  const before = avgShare();
  for (let i = 0; i < 5; i++) {
    const { value, grads } = tf.variableGrads(() => latencyAwareLoss(tf.scalar(1), expectedLatency({ normal: tf.softmax(alpha), reduce: tf.softmax(alpha) }, one, priced), { weight: 1, form: 'linear' }, uniformLatency(one, priced)), [alpha]);
    const g = grads[alpha.name].dataSync();
    if (i === 0) assert.ok(g[SEP] > g[DIL], `descent favours dil (0.1 ms) over sep (0.35 ms) with avg_pool at odds ${Math.exp(3) / 2}: ${g}`);
    alpha.assign(tf.sub(alpha, tf.mul(grads[alpha.name], 0.5)));
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.ok(avgShare() < before - 0.01, `avg_pool's weight falls under descent: ${before} -> ${avgShare()}`);
  alpha.dispose();
});

test('search --strategy darts refuses a K that does not split the supernet\'s channels, a lagrange form without a target, latency ops without a term or unknown, and GDAS below tau 0.1 or at order 2, before a run exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'darts-flags-'));
  const db = join(dir, 'runs.db');
  try {
    const k = await cellscapeInProcess(['search', '--strategy', 'darts', '--partial-channels', '3', '--db', db]);
    assert.equal(k.code, 2, k.err);
    assert.match(k.err.split('\n')[0], /^cellscape search: --partial-channels 3: the supernet of 'darts-fmnist-small' has C=8 channels/);
    const lag = await cellscapeInProcess(['search', '--strategy', 'darts', '--latency-form', 'lagrange', '--latency-weight', '0.1', '--db', db]);
    assert.equal(lag.code, 2, lag.err);
    assert.match(lag.err.split('\n')[0], /^cellscape search: .*--latency-target MS/);
    const ops = await cellscapeInProcess(['search', '--strategy', 'darts', '--latency-ops', 'weighted', '--db', db]);
    assert.equal(ops.code, 2, ops.err);
    assert.match(ops.err.split('\n')[0], /^cellscape search: --latency-ops weighted: applies to a latency term only \(give --latency-weight W > 0\)/);
    const bad = await cellscapeInProcess(['search', '--strategy', 'darts', '--latency-ops', 'convs', '--latency-weight', '1', '--db', db]);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err.split('\n')[0], /--latency-ops/);
    const cold = await cellscapeInProcess(['search', '--strategy', 'darts', '--remedy', 'gdas', '--remedy-weight', '0.05', '--db', db]);
    assert.equal(cold.code, 2, cold.err);
    assert.match(cold.err.split('\n')[0], /remedy\.weight: gdas: the weight is tau's start \(--remedy-weight\), annealed down to 0\.1/);
    const second = await cellscapeInProcess(['search', '--strategy', 'darts', '--remedy', 'gdas', '--order', '2', '--db', db]);
    assert.equal(second.code, 2, second.err);
    assert.match(second.err.split('\n')[0], /order: the gdas remedy takes the first-order architecture step only/);
    assert.equal(existsSync(db), false, 'no run was created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
