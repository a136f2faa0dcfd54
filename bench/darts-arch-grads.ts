/**
 * `node --import tsx bench/darts-arch-grads.ts [--batches N] [--seed S]`
 *
 * How strongly the cross-entropy pulls on the architecture weights of the default DARTS supernet at
 * initialisation, against the beta-DARTS regulariser (remedies.ts): per alpha, the median of
 * |dCE/dalpha| over N batches of the architecture half, and of its mean over them (the part that
 * persists from batch to batch), beside the regulariser's gradient weight * p / edges (p the op's
 * softmax weight, 1/ops at uniform). Under Adam a gradient term common to every op of an edge moves all
 * its alphas alike and leaves the softmax where it is, so a regulariser far stronger than the
 * cross-entropy pins the weights at uniform over a short search; the weight at which the two are
 * equal is printed.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import { dartsConfig } from '../search/strategies/darts/config.ts';
import { disposeBatch, loadDartsData } from '../search/strategies/darts/data.ts';
import { loadCellSpace } from '../search/strategies/darts/run.ts';
import { createDartsSession, withLatencySites } from '../search/strategies/darts/session.ts';

const { values: a } = parseArgs({ options: { batches: { type: 'string', default: '8' }, seed: { type: 'string', default: '0' } } });
const batches = Number(a.batches);
const backend = await initBackend();
const c = dartsConfig({ seed: Number(a.seed), valImages: batches * 64, trainImages: 64 });
const space = loadCellSpace(c.space);
// The latency term is off (weight 0), so the op table's values do not matter.
const s = createDartsSession(space, c, withLatencySites(space, c, (sites) => Object.fromEntries(sites.map((x) => [x.key, 1]))));
const val = loadDartsData(c, space.def.task).batches('val', 0);
const perBatch: number[][] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < batches; i++) {
  const b = val.next();
  const { grads } = s.archGradients(b, { epoch: c.warmupEpochs, step: 0, totalSteps: 1, lr: c.learningRate, multiplier: 0 });
  // alpha.normal and alpha.reduce (the edge-normalisation parameters follow them).
  perBatch.push([...grads[0].dataSync(), ...grads[1].dataSync()]);
  tf.dispose(grads);
  disposeBatch(b);
}
const median = (xs: number[]): number => { const v = xs.map(Math.abs).sort((x, y) => x - y); return v[v.length >> 1]; };
const mean = perBatch[0].map((_, j) => perBatch.reduce((t, g) => t + g[j], 0) / batches);
const ops = space.def.cell.ops.length, edges = s.arch.normal.shape[0];
const ce = median(perBatch.flat());
const reg = 1 / ops / edges;
console.log(`# darts-arch-grads: ${space.name}, batch ${c.batchSize}, K=${c.partialChannels}, ${batches} batches at initialisation, seed ${c.seed}; ${backend.name}, ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(0)} CPU s`);
console.log(`median |dCE/dalpha| per batch ${ce.toExponential(2)}; of the mean over ${batches} batches ${median(mean).toExponential(2)}`);
console.log(`beta regulariser at weight 1, uniform alphas: ${reg.toExponential(2)} per alpha (1/${ops} / ${edges} edges), ${(reg / ce).toFixed(1)}x the cross-entropy's; equal at weight ${(ce / reg).toFixed(3)}`);
s.dispose();
