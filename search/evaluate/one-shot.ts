/**
 * The one-shot evaluator (`--evaluator oneshot:RUN`): a candidate inherits its weights from the
 * trained supernet of run RUN (its checkpoint file, named in the spec with its sha256): a path of
 * a single-path supernet (cell spaces, `--strategy spos`) or an extracted subnet of a Once-for-All
 * supernet (block spaces, `--strategy ofa`). Its batch norms are recalibrated on
 * `calibrationImages` training images and it is scored on the job's validation images: no
 * training, about a second a candidate. Each worker loads the supernet once (`prepare`) and keeps
 * it for every job that names the same file. Parameters, FLOPs and latency are those of the
 * standalone subnet, built as the proxy builds it.
 */
import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import { initBackend } from '../backend/index.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { ElasticBlockNetwork } from '../nn/elastic-block.ts';
import type { Network } from '../nn/network.ts';
import type { BlockSpace } from '../space/block.ts';
import type { CellSpace } from '../space/cell.ts';
import { buildElasticSupernet } from '../space/elastic.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { buildOneShotSupernet } from '../space/one-shot.ts';
import type { BlockGenotype, CellGenotype } from '../space/types.ts';
import { loadWeights } from '../train/checkpoint.ts';
import { readSupernetCheckpoint, type SupernetOwner } from '../train/supernet-checkpoint.ts';
import { UsageError } from '../util/errors.ts';
import type { Evaluator } from './evaluator.ts';
import { jobLatency } from './job-latency.ts';
import { loadOneShotData, scoreElasticSubnet, scoreSubnet, type OneShotData } from './one-shot-score.ts';

/**
 * 256 calibration images (4 batches of 64): each recalibrated statistic is a per-channel average
 * over 256·H·W positions, at least 256·7·7 = 12,544 in the last cells of a 28x28 input, so its
 * sampling error is about 1 % of the channel's spread, while the passes cost a quarter of scoring
 * 1,000 validation images. Ten of each class on average also keep the class mix of the data.
 */
export const DEFAULT_CALIBRATION_IMAGES = 256;

const spec = z.strictObject({
  kind: z.literal('oneshot'),
  /** The supernet's checkpoint file. */
  checkpoint: z.string(),
  /** Of the checkpoint when the run started: a changed file is refused. */
  sha256: z.string(),
  calibrationImages: z.int().min(1).default(DEFAULT_CALIBRATION_IMAGES),
});

interface Loaded { sha256: string; net: Network; owner: SupernetOwner; space: CellSpace | BlockSpace }
let supernet: Loaded | undefined;
let data: { key: string; data: OneShotData } | undefined;

function spaceOf(job: EvalJob): CellSpace | BlockSpace {
  const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} spaceDef`));
  if (space.family === 'tabular-cell') throw new UsageError(`the one-shot evaluator judges subnets of cell and block spaces; job ${job.candidateId} is of a ${space.family} space`);
  return space;
}

/**
 * The supernet of the spec, loaded once per worker (the one of another file replaces it). A
 * block supernet is built on the data's input shape, as it was trained (a single-path cell
 * supernet is built at its space's).
 */
function loadSupernet(job: EvalJob, s: z.infer<typeof spec>, d: OneShotData): Loaded {
  if (supernet?.sha256 === s.sha256) return supernet;
  const ck = readSupernetCheckpoint(s.checkpoint);
  const space = spaceOf(job);
  if (ck.owner.spaceHash !== space.hash) throw new UsageError(`${s.checkpoint}: a supernet of ${ck.owner.spaceName} (hash ${ck.owner.spaceHash.slice(0, 12)}), not of this run's space ${space.name} (${space.hash.slice(0, 12)})`);
  const net = space.family === 'block' ? buildElasticSupernet(space, { inShape: [...d.shape], classes: d.numClasses }) : buildOneShotSupernet(space);
  try {
    loadWeights(net, ck.train.weights);
  } catch (err) {
    net.dispose();
    throw err;
  }
  supernet?.net.dispose();
  return (supernet = { sha256: s.sha256, net, owner: ck.owner, space });
}

function dataOf(job: EvalJob, s: z.infer<typeof spec>): OneShotData {
  const split = job.budget.split ?? 'val';
  const key = `${job.dataset}:${s.calibrationImages}:${job.budget.valImages}:${split}`;
  if (data?.key !== key) data = { key, data: loadOneShotData({ dataset: job.dataset, calibrationImages: s.calibrationImages, scoredImages: job.budget.valImages, split }) };
  return data.data;
}

export const oneShotEvaluator: Evaluator<typeof spec> = {
  spec,
  usesTf: true,
  async prepare(job, s) {
    loadSupernet(job, s, dataOf(job, s));
  },
  async evaluate(job, s, ctx) {
    const backend = await initBackend({ backend: job.backend });
    const started = performance.now();
    const d = dataOf(job, s);
    const { net, owner, space } = loadSupernet(job, s, d);
    if (owner.dataset !== job.dataset) throw new UsageError(`${s.checkpoint}: the supernet trained on ${owner.dataset}, the run scores on ${job.dataset}`);
    const genotype = space.validate(job.genotype, `job ${job.candidateId} genotype`);
    const scored = space.family === 'block'
      ? await scoreElasticSubnet(net as ElasticBlockNetwork, space, genotype as BlockGenotype, d, ctx.beat)
      : await scoreSubnet(net, space, genotype as CellGenotype, d, ctx.beat);
    const seconds = (performance.now() - started) / 1000;
    const subnet = buildNetwork(space, genotype, { inShape: [...d.shape], classes: d.numClasses });
    try {
      const latency = await jobLatency(job, subnet, ctx.lock);
      return {
        metrics: { accuracy: scored.accuracy, params: subnet.paramCount(), flops: subnet.flops(), train_seconds: seconds, ...latency },
        epochs: [], backend: backend.name, worker: ctx.worker ?? `pid ${process.pid} thread ${threadId}`,
        extra: { oneShot: { checkpoint: s.checkpoint, supernetSpace: owner.spaceName, calibrationImages: s.calibrationImages, loss: scored.loss } },
      };
    } finally {
      subnet.dispose();
    }
  },
};
