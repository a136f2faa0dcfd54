/**
 * `node --import tsx bench/oneshot-agreement.ts --db DB --run N [--candidates 40] [--seed 2]`
 *
 * What a cheaper one-shot measure would cost in ranking: the same candidates (sampled uniformly
 * from the supernet's cell space with --seed) judged by the evaluator's measure (batch norm
 * recalibrated on 256 training images, scored on 1,000 validation images) and by cheaper ones,
 * each beside the measure's own sampling noise:
 * - calibration: 128 images (the evaluator's seeded subset at that size) against 256, and 256
 *   other training images (another seed) against 256: how much the ranking moves with the
 *   calibration sample alone;
 * - scoring: each half of the 1,000 scored images (500 each, the evaluator's subset in order),
 *   against the whole and against each other.
 * Spearman's rho with a 90 % bootstrap interval, the mean absolute difference in accuracy points,
 * and the CPU seconds of a recalibration + scoring at each setting. Run N is a finished
 * `cellscape search --strategy spos` of DB.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../search/backend/index.ts';
import type { Split } from '../search/data/types.ts';
import { loadDataset } from '../search/data/registry.ts';
import { subsetSplit } from '../search/data/split.ts';
import { DEFAULT_CALIBRATION_IMAGES } from '../search/evaluate/one-shot.ts';
import { loadOneShotData, scoreSubnet, type OneShotData } from '../search/evaluate/one-shot-score.ts';
import { spearman, spearmanInterval } from '../search/reference/agreement.ts';
import { oneShotSpec } from '../search/run/one-shot-source.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildOneShotSupernet } from '../search/space/one-shot.ts';
import { loadWeights } from '../search/train/checkpoint.ts';
import { readSupernetCheckpoint } from '../search/train/supernet-checkpoint.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: {
  db: { type: 'string' },
  run: { type: 'string' },
  space: { type: 'string', default: 'darts-fmnist-small' },
  candidates: { type: 'string', default: '40' },
  seed: { type: 'string', default: '2' },
} });
if (!values.db || !values.run) throw new Error('give --db DB --run N (a finished spos run of DB)');

await initBackend({});
const space = loadSpace(resolveSpacePath(values.space)) as CellSpace;
const spec = oneShotSpec(values.run, values.db, space);
const supernet = buildOneShotSupernet(space);
loadWeights(supernet, readSupernetCheckpoint(spec.checkpoint).train.weights);
const rng = createRng(Number(values.seed));
const genotypes = Array.from({ length: Number(values.candidates) }, () => space.sample(rng));

const SCORED = 1000;
const base = loadOneShotData({ dataset: 'fashion-mnist', calibrationImages: DEFAULT_CALIBRATION_IMAGES, scoredImages: SCORED });
const pixels = base.shape.reduce((a, b) => a * b, 1);
const full = loadDataset('fashion-mnist');
const otherCalibration = subsetSplit(full.train, pixels, full.numClasses, DEFAULT_CALIBRATION_IMAGES, 1);
const half = (from: number, to: number): Split => ({ images: base.val.images.subarray(from * pixels, to * pixels), labels: base.val.labels.subarray(from, to), count: to - from });

const settings: Record<string, OneShotData> = {
  'evaluator (256 calibration, 1,000 scored)': base,
  '128 calibration images': { ...base, train: loadOneShotData({ dataset: 'fashion-mnist', calibrationImages: 128, scoredImages: SCORED }).train },
  '256 other calibration images': { ...base, train: otherCalibration },
  'first 500 scored images': { ...base, val: half(0, SCORED / 2) },
  'last 500 scored images': { ...base, val: half(SCORED / 2, SCORED) },
};
const scores = new Map<string, number[]>(Object.keys(settings).map((k) => [k, []]));
const cpu = new Map<string, number>();
for (const g of genotypes) {
  for (const [name, data] of Object.entries(settings)) {
    const before = process.cpuUsage();
    const m = await scoreSubnet(supernet, space, g, data);
    const used = process.cpuUsage(before);
    cpu.set(name, (cpu.get(name) ?? 0) + (used.user + used.system) / 1e6);
    scores.get(name)!.push(m.accuracy);
  }
}

const n = genotypes.length;
const row = (a: string, b: string) => {
  const x = scores.get(a)!, y = scores.get(b)!;
  const { lo, hi } = spearmanInterval(x, y);
  const diff = x.reduce((s, v, i) => s + Math.abs(v - y[i]), 0) / n;
  return `| ${a} | ${b} | ${spearman(x, y).toFixed(3)} | ${lo.toFixed(2)} to ${hi.toFixed(2)} | ${(100 * diff).toFixed(2)} |`;
};
const evaluator = Object.keys(settings)[0];
console.log(`${n} candidates of ${space.name} (seed ${values.seed}), supernet ${spec.checkpoint}; mean evaluator accuracy ` +
  `${(100 * scores.get(evaluator)!.reduce((a, b) => a + b, 0) / n).toFixed(1)} %, spread (max - min) ${(100 * (Math.max(...scores.get(evaluator)!) - Math.min(...scores.get(evaluator)!))).toFixed(1)} points`);
console.log('');
console.log('| measure | against | Spearman | 90 % interval | mean abs. difference, points |');
console.log('| --- | --- | ---: | --- | ---: |');
for (const name of Object.keys(settings).slice(1)) console.log(row(name, evaluator));
console.log(row('first 500 scored images', 'last 500 scored images'));
console.log('');
console.log('| setting | CPU s a candidate (recalibration + scoring) |');
console.log('| --- | ---: |');
for (const [name, s] of cpu) console.log(`| ${name} | ${(s / n).toFixed(2)} |`);
