/**
 * `node --import tsx bench/supernet-paths.ts [--space mobile-blocks|darts-fmnist-small] [--train-images 2000]
 *   [--modes alone,recipe,fixed,two,random] [--lr LR] [--momentum M] [--clip C] [--batch-size B] [--no-freeze]`
 *
 * Why a single-path supernet learns slowly, by elimination: the same data, loop (train/loop.ts)
 * and hyper-parameters as the supernet trainer (strategies/one-shot/path-config.ts and the
 * space's trainer defaults), one epoch, on
 * - alone: the first step's subnet built as a standalone network;
 * - recipe: the same network at the standalone recipe (train/recipes.ts DEFAULT_RECIPE);
 * - fixed: the supernet with that subnet selected for every step;
 * - two: the supernet alternating between the first and the second step's subnets;
 * - random: the supernet on the trainer's own draw per step (Once-for-All: its kernel phase,
 *   where the operation and kernel vary; SPOS: its sampling). The first phase drew only the
 *   operation when bench/data/supernet-paths.md's OFA rows were made (commit 3c636d8); it now
 *   trains the largest network alone.
 * If `fixed` learns like `alone`, the supernet's layers, the loop, the optimizer's treatment of
 * unreached weights and the data are not what holds `random` back. Prints one markdown row per
 * mode: train loss and accuracy of the epoch, the loss of its last quarter of steps, CPU seconds.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import { loadDataset } from '../search/data/registry.ts';
import type { Network } from '../search/nn/network.ts';
import { selectPath } from '../search/nn/single-path.ts';
import type { BlockSpace } from '../search/space/block.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { buildElasticSupernet, selectSubnet } from '../search/space/elastic.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildOneShotSupernet, pathOf } from '../search/space/one-shot.ts';
import type { Genotype } from '../search/space/types.ts';
import type { ElasticBlockNetwork } from '../search/nn/elastic-block.ts';
import { DEFAULT_OFA_CONFIG } from '../search/strategies/ofa/config.ts';
import { subnetAt } from '../search/strategies/ofa/sampling.ts';
import { DEFAULT_SPOS_CONFIG } from '../search/strategies/one-shot/config.ts';
import { pathAt } from '../search/strategies/one-shot/sampling.ts';
import { DEFAULT_RECIPE, RECIPES } from '../search/train/recipes.ts';
import { trainNetwork } from '../search/train/loop.ts';
import { createRng } from '../search/util/rng.ts';

const MODES = ['alone', 'recipe', 'fixed', 'two', 'random'] as const;
const { values } = parseArgs({ options: {
  space: { type: 'string', default: 'mobile-blocks' },
  'train-images': { type: 'string', default: '2000' },
  modes: { type: 'string', default: MODES.join(',') },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  clip: { type: 'string' },
  'batch-size': { type: 'string' },
  'no-freeze': { type: 'boolean', default: false },
  seed: { type: 'string', default: '0' },
} });
const modes = values.modes.split(',');
const bad = modes.find((m) => !(MODES as readonly string[]).includes(m));
if (bad) throw new Error(`--modes: unknown mode '${bad}' (${MODES.join(', ')})`);

await initBackend();
const space = loadSpace(resolveSpacePath(values.space));
const seed = Number(values.seed);
const ofa = space.family === 'block';
const D = ofa ? DEFAULT_OFA_CONFIG : DEFAULT_SPOS_CONFIG;
const hp = {
  learningRate: values.lr ? Number(values.lr) : D.learningRate, momentum: values.momentum ? Number(values.momentum) : D.momentum,
  clipNorm: values.clip ? Number(values.clip) : D.clipNorm, batchSize: values['batch-size'] ? Number(values['batch-size']) : D.batchSize,
  warmupFraction: D.warmupFraction, weightDecay: D.weightDecay, minLearningRate: D.minLearningRate,
};
const ds = loadDataset('fashion-mnist', { subset: { train: Number(values['train-images']), val: 0, test: 0 } });
const build = { inShape: [...ds.shape], classes: ds.numClasses, rng: createRng(seed) };
/** The subnet the trainer draws at a step. */
const drawn = (step: number): Genotype => (ofa
  ? subnetAt(space as BlockSpace, { seed, sandwich: false, phaseEpochs: [0, 1, 0, 0] }, step, 0)
  : pathAt(space as CellSpace, { seed, sampling: DEFAULT_SPOS_CONFIG.sampling }, step));
const supernet = (): Network => (ofa ? buildElasticSupernet(space as BlockSpace, build) : buildOneShotSupernet(space as CellSpace, build));
const select = (net: Network, g: Genotype): void => {
  if (ofa) selectSubnet(net as ElasticBlockNetwork, g as never);
  else selectPath(net, pathOf(space as CellSpace, g as never));
};
const first = drawn(0), second = drawn(1);

console.log(`${space.name}, ${ds.train.count} images, batch ${hp.batchSize}, lr ${hp.learningRate}, momentum ${hp.momentum}, clip ${hp.clipNorm}, weight decay ${hp.weightDecay}, warm-up ${hp.warmupFraction}${values['no-freeze'] ? ', unreached weights not frozen' : ''}`);
console.log(`first subnet: ${space.describe(first as never)}\n`);
console.log('| mode | params | steps | train loss | train acc | loss, last quarter of steps | CPU s |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const mode of modes) {
  const standalone = mode === 'alone' || mode === 'recipe';
  const net = standalone ? buildNetwork(space, first, build) : supernet();
  const recipe = RECIPES[DEFAULT_RECIPE];
  const o = mode === 'recipe'
    ? { learningRate: recipe.learningRate, batchSize: recipe.batchSize, warmupFraction: recipe.warmupFraction, labelSmoothing: recipe.labelSmoothing, momentum: 0.9, weightDecay: 3e-4, clipNorm: 5, minLearningRate: 0 }
    : hp;
  let step = 0;
  const losses: number[] = [];
  const cpu0 = process.cpuUsage();
  try {
    const r = await trainNetwork(net, { ...ds, val: undefined }, {
      ...o, epochs: 1, freezeUnreached: !standalone && !values['no-freeze'], augment: null, seed,
      beforeStep: () => {
        if (mode === 'fixed') select(net, first);
        else if (mode === 'two') select(net, step % 2 === 0 ? first : second);
        else if (mode === 'random') select(net, drawn(step));
      },
      onStep: (s) => { step = s.step; losses.push(s.loss); },
    });
    const e = r.epochs[0];
    const tail = losses.slice(Math.floor((3 * losses.length) / 4));
    const c = process.cpuUsage(cpu0);
    console.log(`| ${mode} | ${net.paramCount()} | ${r.steps} | ${e.trainLoss.toFixed(3)} | ${(100 * e.trainAccuracy).toFixed(1)}% | ${(tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(3)} | ${((c.user + c.system) / 1e6).toFixed(0)} |`);
  } finally {
    net.dispose();
  }
}
