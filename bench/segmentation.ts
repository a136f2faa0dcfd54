/**
 * `node --import tsx bench/segmentation.ts [--epochs N] [--train N] [--seeds N] [--lr LR] [--genotype FILE|JSON | --db FILE --run N]`:
 * on the context-dependent scenes, the validation mIoU of a block network with the pyramid
 * pooling head against the same backbone with a plain upsampling head made wider to similar
 * FLOPs; and the time of a small segmentation proxy evaluation. Prints JSON lines.
 *
 * The backbone is a searched genotype (the best candidate of run N, or a genotype file) or by
 * default a fixed narrow conv/MBConv one. It runs at output stride 8, as PSPNet's dilated
 * backbone does: the seg-blocks layout with its last two stages at stride 1. At the space's own
 * 1/32 the deepest map of a 64x64 scene is 2x2, and both heads, which read only that map, learn
 * no more than background (mIoU about 0.2 whatever the budget).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { evaluateSegmentationJob, segmentationDataset } from '../search/evaluate/seg-proxy.ts';
import { evaluateSegmentation, trainSegmentation } from '../search/evaluate/seg-train.ts';
import { SEG_DEFAULTS } from '../search/run/drivers/ask-tell.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace, parseSpaceDef, readJsonFile, resolveSpacePath, spaceFromDef } from '../search/space/load.ts';
import type { BlockGenotype, BlockLayer } from '../search/space/types.ts';
import { openStore } from '../search/store/store.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '8' }, train: { type: 'string', default: '2048' }, seeds: { type: 'string', default: '2' },
    lr: { type: 'string', default: '0.003' }, genotype: { type: 'string' }, db: { type: 'string' }, run: { type: 'string' }, backend: { type: 'string' },
  },
});
const info = await initBackend({ backend: values.backend });
const epochs = Number(values.epochs), trainCount = Number(values.train), seeds = Number(values.seeds), lr = Number(values.lr);
const path = resolveSpacePath('seg-blocks');
const def = readJsonFile(path) as { stages: { stride: number }[] };
const os8 = spaceFromDef(parseSpaceDef({ ...def, name: 'seg-blocks-os8', stages: def.stages.map((s, i) => (i >= 2 ? { ...s, stride: 1 } : s)) }, 'seg-blocks at output stride 8'));
if (os8.family !== 'block') throw new Error('seg-blocks is a block space');
const space: BlockSpace = os8;
const data = segmentationDataset('scenes-context', { train: trainCount, val: 256 });

function searched(): { genotype: BlockGenotype; source: string } {
  if (values.db) {
    const store = openStore(values.db);
    try {
      const [best] = store.listCandidates(Number(values.run ?? 1), { status: 'done', sort: 'miou', order: 'desc', limit: 1 });
      if (!best) throw new Error(`run ${values.run ?? 1} of ${values.db} has no finished candidate`);
      return { genotype: best.genotype as BlockGenotype, source: `${values.db} run ${values.run ?? 1} candidate ${best.id} (mIoU ${best.metrics.miou?.toFixed(3)})` };
    } finally {
      store.close();
    }
  }
  if (values.genotype) return { genotype: (existsSync(values.genotype) ? readJsonFile(values.genotype) : JSON.parse(values.genotype)) as BlockGenotype, source: values.genotype };
  const layer = (s: number, width: number): BlockLayer => (s < 2 ? { op: 'conv', kernel: 3, width } : { op: 'mbconv', kernel: 3, expand: 3, width });
  return { genotype: { stages: space.widths.map((w, s) => ({ depth: 1, layers: [layer(s, w[0])] })), head: 'ppm', spatialPath: false }, source: 'fixed narrow conv/mbconv' };
}

const base = searched();
const flopsOf = (g: BlockGenotype): number => { const n = buildNetwork(space, g, { classes: data.numClasses }); const f = n.flops(); n.dispose(); return f; };
const withWidths = (g: BlockGenotype, widths: number[]): BlockGenotype =>
  ({ ...g, stages: g.stages.map((s, i) => ({ ...s, layers: s.layers.map((l) => ({ ...l, width: widths[i] })) })) });

// PPM on the searched backbone; upsampling on the per-stage widths whose FLOPs come closest.
const ppm = space.validate({ ...base.genotype, head: 'ppm', spatialPath: false });
const target = flopsOf(ppm);
const combos = space.widths.reduce<number[][]>((acc, ws) => acc.flatMap((c) => ws.map((w) => [...c, w])), [[]]);
const up = combos.map((c) => withWidths({ ...ppm, head: 'upsample' }, c)).map((g) => ({ g, f: flopsOf(g) }))
  .sort((a, b) => Math.abs(a.f - target) - Math.abs(b.f - target))[0].g;
console.log(JSON.stringify({ bench: 'seg-context-setup', backbone: base.source, outputStride: 8, epochs, train: trainCount, val: 256, lr, seeds }));

for (const [name, g] of [['ppm', ppm], ['upsample', up]] as const) {
  for (let seed = 0; seed < seeds; seed++) {
    const net = buildNetwork(space, g, { classes: data.numClasses, rng: createRng(seed) });
    const r = await trainSegmentation(net, data, { epochs, batchSize: 16, learningRate: lr, seed });
    const val = await evaluateSegmentation(net, data.val, data);
    console.log(JSON.stringify({
      bench: 'seg-context', head: name, widths: g.stages.map((s) => s.layers[0].width), seed, mflops: +(net.flops() / 1e6).toFixed(2), params: net.paramCount(),
      val_miou: +val.miou.toFixed(4), val_pixel_acc: +val.pixelAccuracy.toFixed(4), train_s: +r.seconds.toFixed(1), backend: info.name,
    }));
    net.dispose();
  }
}

// One candidate of the default segmentation search (cellscape search --space seg-blocks), timed.
const t0 = performance.now();
const seg = loadSpace(path);
const res = await evaluateSegmentationJob({
  runId: 0, candidateId: 0, key: 'bench', spaceDef: readJsonFile(path), genotype: seg.sample(createRng(1)), task: 'segmentation', dataset: 'scenes-objects',
  budget: { epochs: SEG_DEFAULTS.epochs, trainImages: SEG_DEFAULTS.trainImages, valImages: SEG_DEFAULTS.valImages, batchSize: SEG_DEFAULTS.batchSize, learningRate: SEG_DEFAULTS.learningRate },
  latency: { runtime: 'tfjs', warmup: 3, repeats: 20 }, seed: 1,
});
console.log(JSON.stringify({ bench: 'seg-proxy', budget: SEG_DEFAULTS, seconds: +((performance.now() - t0) / 1000).toFixed(2), train_s: +res.metrics.train_seconds!.toFixed(2), miou: +res.metrics.miou!.toFixed(4), latency_ms: res.metrics.latency_ms && +res.metrics.latency_ms.toFixed(2), mflops: +(res.metrics.flops! / 1e6).toFixed(2), backend: res.backend }));
