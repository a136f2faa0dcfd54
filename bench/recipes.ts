/**
 * `node --import tsx bench/recipes.ts [--train-images N] [--test-images N] [--epochs E] [--out bench/data/recipes]`
 * Training recipes for small cell networks of darts-fmnist-small: the smallest and the largest
 * (by parameters) of 16 seeded random genotypes, each trained from scratch under every recipe
 * below on the same stratified Fashion-MNIST subset, with test accuracy after every epoch (a
 * learning curve in image-epochs and seconds). Writes <out>.json (every curve) and <out>.md
 * (a table of the curves). One process, one core; timings are only comparable within one run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import { NO_AUGMENT } from '../search/data/augment.ts';
import { buildNetwork } from '../search/space/build.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { trainNetwork, type TrainOptions } from '../search/train/loop.ts';
import { createRng } from '../search/util/rng.ts';
import { RECIPES } from '../search/train/recipes.ts';

const { values: args } = parseArgs({ options: {
  'train-images': { type: 'string', default: '6000' }, 'test-images': { type: 'string', default: '2000' },
  epochs: { type: 'string', default: '4' }, out: { type: 'string', default: 'bench/data/recipes' },
  recipes: { type: 'string' },
} });
const trainImages = Number(args['train-images']), testImages = Number(args['test-images']), epochs = Number(args.epochs);
const backend = await initBackend();
const space = loadSpace(resolveSpacePath('darts-fmnist-small'));
const ds = loadDataset('fashion-mnist', { subset: { train: trainImages, val: 0, test: testImages } });
// The learning curve is read on the test split: trainNetwork evaluates `val` after every epoch.
const data = { ...ds, val: ds.test };

const rng = createRng(1);
const sampled = Array.from({ length: 16 }, () => space.sample(rng)).map((g) => {
  const net = buildNetwork(space, g, { rng: createRng(0) });
  const params = net.paramCount();
  net.dispose();
  return { genotype: g, params };
}).sort((a, b) => a.params - b.params);
const archs = [{ name: 'small', ...sampled[0] }, { name: 'large', ...sampled[sampled.length - 1] }];

const chosen = args.recipes ? args.recipes.split(',') : Object.keys(RECIPES);
const rows: Record<string, unknown>[] = [];
const out = args.out;
const command = `node --import tsx bench/recipes.ts ${process.argv.slice(2).join(' ')}`.trim();
/** Writes the curves so far: an interrupted bench still leaves its finished runs. */
function write(): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify({ command, backend: backend.name, trainImages: ds.train.count, testImages: ds.test.count, epochs, date: new Date().toISOString(), rows }, null, 1) + '\n');
  const pct = (x: number): string => (100 * x).toFixed(1);
  const md = [
    `# Training recipes on darts-fmnist-small (Fashion-MNIST, ${ds.train.count} train / ${ds.test.count} test images, ${backend.name})`,
    '', `Made by \`${command}\`. Test accuracy (%) after each epoch; seconds are cumulative training + evaluation on one core of a shared machine (load average ${loadavg()[0].toFixed(1)} at the last write), so compare them only roughly.`, '',
    `| arch (params) | recipe | ${Array.from({ length: epochs }, (_, i) => `ep ${i + 1}`).join(' | ')} | seconds |`,
    `|---|---|${'---|'.repeat(epochs)}---|`,
    ...rows.map((row) => {
      const curve = row.curve as { testAccuracy: number; seconds: number }[];
      return `| ${row.arch} (${row.params}) | ${row.recipe} | ${curve.map((c) => pct(c.testAccuracy)).join(' | ')} | ${curve[curve.length - 1].seconds} |`;
    }),
    '', ...chosen.map((n) => `- **${n}**: ${JSON.stringify(RECIPES[n])}`), '',
  ];
  writeFileSync(`${out}.md`, md.join('\n'));
}

for (const name of chosen) {
  for (const arch of archs) {
    const r = RECIPES[name];
    if (!r) throw new Error(`--recipes: unknown recipe '${name}' (known: ${Object.keys(RECIPES).join(', ')})`);
    const net = buildNetwork(space, arch.genotype, { inShape: [...data.shape], classes: data.numClasses, rng: createRng(0) });
    const opts: TrainOptions = {
      epochs, seed: 0, batchSize: r.batchSize, learningRate: r.learningRate, optimizer: r.optimizer,
      warmupFraction: r.warmupFraction, labelSmoothing: r.labelSmoothing, augment: r.augment ? undefined : NO_AUGMENT,
    };
    let seconds = 0;
    const curve: { epoch: number; imageEpochs: number; seconds: number; testAccuracy: number; trainLoss: number }[] = [];
    await trainNetwork(net, data, {
      ...opts,
      onEpoch: (rec) => {
        seconds += rec.seconds;
        curve.push({ epoch: rec.epoch + 1, imageEpochs: (rec.epoch + 1) * ds.train.count, seconds: Number(seconds.toFixed(1)), testAccuracy: rec.valAccuracy, trainLoss: Number(rec.trainLoss.toFixed(4)) });
        console.log(JSON.stringify({ arch: arch.name, params: arch.params, recipe: name, ...curve[curve.length - 1], load1: Number(loadavg()[0].toFixed(2)) }));
      },
    });
    net.dispose();
    rows.push({ arch: arch.name, params: arch.params, genotype: arch.genotype, recipe: name, ...r, curve });
    write();
  }
}

console.log(readFileSync(`${out}.md`, 'utf8'));
