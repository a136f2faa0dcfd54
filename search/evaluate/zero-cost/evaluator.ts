/**
 * The zero-cost evaluator (`--evaluator zc:NAME`): a candidate's score under one proxy of its
 * untrained network (higher better), stored as the proxy's metric (`zc_<name>`, not accuracy),
 * with its parameters and FLOPs; no training. The network
 * is initialised from the job's seed and, for data-dependent proxies, scored on one minibatch of
 * the run's data set drawn with the same seed, so every candidate of a run sees the same images.
 * A proxy undefined for a network fails that candidate with the proxy's reason.
 */
import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import { initBackend } from '../../backend/index.ts';
import { zeroCostMetric } from '../../contracts/metrics.ts';
import { buildNetwork } from '../../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../../space/load.ts';
import { resolutionOf } from '../../space/resolution.ts';
import { createRng } from '../../util/rng.ts';
import type { Evaluator } from '../evaluator.ts';
import { jobLatency } from '../job-latency.ts';
import { PROXY_NAMES, proxyByName } from './index.ts';
import { jobData, jobScores } from './job-scores.ts';
import { spaceTaskOf } from '../../contracts/task.ts';

const spec = z.strictObject({
  kind: z.literal('zero-cost'),
  proxy: z.enum(PROXY_NAMES as [string, ...string[]]),
});

export const zeroCostEvaluator: Evaluator<typeof spec> = {
  spec,
  usesTf: true,
  async evaluate(job, s, ctx) {
    const backend = await initBackend({ backend: job.backend });
    const started = performance.now();
    const space = spaceFromDef(parseSpaceDef(job.spaceDef, `job ${job.candidateId} spaceDef`));
    const genotype = space.validate(job.genotype, `job ${job.candidateId} genotype`);
    const proxy = proxyByName(s.proxy);
    const { shape, classes } = jobData(job, resolutionOf(genotype));
    const net = buildNetwork(space, genotype, { task: spaceTaskOf(job.task), inShape: shape, classes, rng: createRng(job.seed) });
    try {
      const score = jobScores(job, net, [proxy.name])[proxy.name];
      if ('undefined' in score) throw new Error(`zero-cost proxy ${proxy.name} is undefined for this network: ${score.undefined}`);
      const seconds = (performance.now() - started) / 1000;
      const latency = await jobLatency(job, net, ctx.lock);
      return {
        metrics: { ...latency, params: net.paramCount(), flops: net.flops(), [zeroCostMetric(proxy.name)]: score.value, train_seconds: seconds }, epochs: [],
        backend: backend.name, worker: ctx.worker ?? `pid ${process.pid} thread ${threadId}`,
        extra: { zeroCost: { proxy: proxy.name, score: score.value } },
      };
    } finally {
      net.dispose();
    }
  },
};
