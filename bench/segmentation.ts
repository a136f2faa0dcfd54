/**
 * `node --import tsx bench/segmentation.ts [--epochs N] [--train N] [--seeds N]`: on the
 * context-dependent scenes, the validation mIoU of a block network with the pyramid pooling head
 * against the same kind of network with a plain upsampling head made wider to similar FLOPs; and
 * the time of a small segmentation proxy evaluation. Prints JSON lines.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { evaluateSegmentationJob, segmentationDataset } from '../search/evaluate/seg-proxy.ts';
import { evaluateSegmentation, trainSegmentation } from '../search/evaluate/seg-train.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace, readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import type { BlockGenotype, BlockLayer } from '../search/space/types.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '6' }, train: { type: 'string', default: '512' }, seeds: { type: 'string', default: '2' }, backend: { type: 'string' } } });
const info = await initBackend({ backend: values.backend });
const epochs = Number(values.epochs), trainCount = Number(values.train), seeds = Number(values.seeds);
const path = resolveSpacePath('seg-blocks');
const space = loadSpace(path);
if (space.family !== 'block') throw new Error('seg-blocks is a block space');
const data = segmentationDataset('scenes-context', { train: trainCount, val: 256 });

const layer = (s: number, width: number): BlockLayer => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
const genotype = (widths: number[], head: 'ppm' | 'upsample'): BlockGenotype => ({ stages: widths.map((w, s) => ({ depth: 1, layers: [layer(s, w)] })), head, spatialPath: false });
const flopsOf = (g: BlockGenotype): number => { const n = buildNetwork(space, g, { classes: data.numClasses }); const f = n.flops(); n.dispose(); return f; };

// PPM on the narrowest widths; upsampling on the width combination whose FLOPs come closest.
const ppm = genotype(space.widths.map((w) => w[0]), 'ppm');
const target = flopsOf(ppm);
const combos = space.widths.reduce<number[][]>((acc, ws) => acc.flatMap((c) => ws.map((w) => [...c, w])), [[]]);
const up = combos.map((c) => genotype(c, 'upsample')).map((g) => ({ g, f: flopsOf(g) })).sort((a, b) => Math.abs(a.f - target) - Math.abs(b.f - target))[0].g;

for (const [name, g] of [['ppm', ppm], ['upsample', up]] as const) {
  for (let seed = 0; seed < seeds; seed++) {
    const net = buildNetwork(space, g, { classes: data.numClasses, rng: createRng(seed) });
    const r = await trainSegmentation(net, data, { epochs, batchSize: 16, learningRate: 0.01, seed });
    const val = await evaluateSegmentation(net, data.val, data);
    console.log(JSON.stringify({ bench: 'seg-context', head: name, widths: g.stages.map((s) => s.layers[0].width), seed, mflops: +(net.flops() / 1e6).toFixed(2), params: net.paramCount(), epochs, train: trainCount, val_miou: +val.miou.toFixed(4), val_pixel_acc: +val.pixelAccuracy.toFixed(4), train_s: +r.seconds.toFixed(1), backend: info.name }));
    net.dispose();
  }
}

const t0 = performance.now();
const res = await evaluateSegmentationJob({
  runId: 0, candidateId: 0, key: 'bench', spaceDef: readJsonFile(path), genotype: space.sample(createRng(1)), task: 'segmentation', dataset: 'scenes-context',
  budget: { epochs: 1, trainImages: 128, valImages: 64, batchSize: 16, learningRate: 0.01 }, latency: { runtime: 'tfjs', warmup: 3, repeats: 10 }, seed: 1,
});
console.log(JSON.stringify({ bench: 'seg-proxy', seconds: +((performance.now() - t0) / 1000).toFixed(2), train_s: +res.trainSeconds.toFixed(2), miou: +res.accuracy.toFixed(4), latency_ms: res.latencyMs && +res.latencyMs.toFixed(2), mflops: +(res.flops / 1e6).toFixed(2), backend: res.backend }));
