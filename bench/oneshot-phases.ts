/**
 * `node --import tsx bench/oneshot-phases.ts --db DB --run N [--candidates 12] [--seed 1] [--val-images 1000] [--json FILE]`
 *
 * Where a one-shot evaluation's time goes, in CPU seconds (robust to a shared machine's load) and
 * wall seconds, per candidate, on one thread: the task crossing to a worker (structured clone),
 * the whole evaluation as a worker runs it (runTask: the evaluator's spec check, path selection,
 * batch-norm recalibration, scoring, parameters and FLOPs of the standalone subnet), and, on a
 * copy of the supernet, its parts: recalibration plus scoring (scoreSubnet), scoring alone
 * (evaluateNetwork, inference over the scored images) and the standalone subnet's build and
 * counts. Candidates are sampled uniformly from the supernet's cell space with --seed, so two
 * versions of the code judge the same ones; --json writes each candidate's key, loss and
 * accuracy for comparing them. Run N is a finished `cellscape search --strategy spos` of DB.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../search/backend/index.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import { loadOneShotData, scoreSubnet } from '../search/evaluate/one-shot-score.ts';
import { runTask } from '../search/executor/run-task.ts';
import { oneShotSpec } from '../search/run/one-shot-source.ts';
import { buildNetwork } from '../search/space/build.ts';
import type { CellSpace } from '../search/space/cell.ts';
import { loadSpace, resolveSpacePath } from '../search/space/load.ts';
import { buildOneShotSupernet, pathOf } from '../search/space/one-shot.ts';
import { selectPath } from '../search/nn/single-path.ts';
import { loadWeights } from '../search/train/checkpoint.ts';
import { evaluateNetwork } from '../search/train/evaluate.ts';
import { readSupernetCheckpoint } from '../search/train/supernet-checkpoint.ts';
import { createRng } from '../search/util/rng.ts';

const { values } = parseArgs({ options: {
  db: { type: 'string' },
  run: { type: 'string' },
  space: { type: 'string', default: 'darts-fmnist-small' },
  candidates: { type: 'string', default: '12' },
  seed: { type: 'string', default: '1' },
  'val-images': { type: 'string', default: '1000' },
  json: { type: 'string' },
} });
if (!values.db || !values.run) throw new Error('give --db DB --run N (a finished spos run of DB)');

const backend = await initBackend({});
const space = loadSpace(resolveSpacePath(values.space)) as CellSpace;
const spec = oneShotSpec(values.run, values.db, space);
const valImages = Number(values['val-images']);
const rng = createRng(Number(values.seed));
const genotypes = Array.from({ length: Number(values.candidates) }, () => space.sample(rng));
const task = (i: number): EvalTask => ({
  evaluator: { ...spec },
  job: {
    runId: 0, candidateId: i + 1, key: space.key(genotypes[i]), spaceDef: space.def, genotype: genotypes[i], task: 'classification',
    dataset: 'fashion-mnist', budget: { epochs: 2, trainImages: 2000, valImages, batchSize: 64, learningRate: 0.05 },
    latency: { runtime: 'none', warmup: 0, repeats: 0 }, seed: 0,
  },
});

const phases = new Map<string, { cpu: number; wall: number }>();
async function timed<T>(phase: string, f: () => T | Promise<T>): Promise<T> {
  const cpu = process.cpuUsage(), wall = performance.now();
  const r = await f();
  const used = process.cpuUsage(cpu);
  const p = phases.get(phase) ?? { cpu: 0, wall: 0 };
  p.cpu += (used.user + used.system) / 1e6;
  p.wall += (performance.now() - wall) / 1000;
  phases.set(phase, p);
  return r;
}

// The bench's own copy of the supernet and data, for the parts; the evaluator keeps its own.
const data = loadOneShotData({ dataset: 'fashion-mnist', calibrationImages: spec.calibrationImages, scoredImages: valImages });
const supernet = buildOneShotSupernet(space);
loadWeights(supernet, readSupernetCheckpoint(spec.checkpoint).train.weights);
// Warm-up (the worker's first job loads the supernet and data, compiles kernels): not counted.
await runTask(task(0));
selectPath(supernet, pathOf(space, genotypes[0]));
await evaluateNetwork(supernet, data.val, data);

const tensorsBefore = tf.memory().numTensors;
const rows: Array<{ key: string; loss: number; accuracy: number }> = [];
for (let i = 0; i < genotypes.length; i++) {
  const t = await timed('task crosses to a worker (structured clone)', () => structuredClone(task(i)));
  const { result } = await timed('whole evaluation (runTask, as a worker runs it)', () => runTask(t));
  await timed('  recalibration + scoring (scoreSubnet)', () => scoreSubnet(supernet, space, genotypes[i], data));
  await timed(`  scoring alone (${valImages} images, inference)`, () => evaluateNetwork(supernet, data.val, data));
  await timed('  standalone subnet: build, params, FLOPs', () => {
    const net = buildNetwork(space, genotypes[i], { inShape: [...data.shape], classes: data.numClasses });
    try { return [net.paramCount(), net.flops()]; } finally { net.dispose(); }
  });
  const extra = result.extra as { oneShot: { loss: number } };
  rows.push({ key: t.job.key, loss: extra.oneShot.loss, accuracy: result.metrics.accuracy ?? NaN });
}

const n = genotypes.length;
console.log(`one-shot evaluation phases, ${n} candidates of ${space.name} (seed ${values.seed}), supernet ${spec.checkpoint}, ` +
  `${spec.calibrationImages} calibration images, ${valImages} scored, backend ${backend.name}; tensors left behind: ${tf.memory().numTensors - tensorsBefore}`);
console.log('');
console.log('| phase | CPU s a candidate | wall s a candidate |');
console.log('| --- | ---: | ---: |');
for (const [phase, p] of phases) console.log(`| ${phase} | ${(p.cpu / n).toFixed(3)} | ${(p.wall / n).toFixed(3)} |`);
console.log('');
console.log(`mean one-shot accuracy ${(rows.reduce((s, r) => s + r.accuracy, 0) / n).toFixed(4)}`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(rows, null, 1)}\n`);
