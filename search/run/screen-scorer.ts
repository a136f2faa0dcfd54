/**
 * The scorer a pre-screened run (`--prescreen`) judges proposals with: each proposal's network,
 * built in the search process as its evaluation job would build it (initialised from the
 * candidate's job seed), scored by the proxies on the minibatch the job would read. A kept
 * candidate's training job, scored by the same proxies before it trains, stores these very values.
 * Screening runs here, one network at a time, whatever the executor: pool and queue workers only
 * ever receive the kept proposals.
 */
import { initBackend } from '../backend/index.ts';
import { spaceTaskOf, type RunTask } from '../contracts/task.ts';
import { jobData, jobScores } from '../evaluate/zero-cost/job-scores.ts';
import { buildNetwork } from '../space/build.ts';
import { parseSpaceDef, spaceFromDef } from '../space/load.ts';
import { resolutionOf } from '../space/resolution.ts';
import type { Genotype } from '../space/types.ts';
import type { Run } from '../store/types.ts';
import type { Proposal } from '../strategies/types.ts';
import { createRng } from '../util/rng.ts';
import { jobSeed } from './loop.ts';

export async function networkScorer(run: Run, proxies: readonly string[]): Promise<(proposals: readonly Proposal<Genotype>[]) => number[][]> {
  // A table run records 'table' for its backend: its networks are built only here, on the fastest present.
  await initBackend({ backend: run.backend === 'table' ? undefined : run.backend });
  const space = spaceFromDef(parseSpaceDef(run.spaceDefinition, `run ${run.id} space`));
  return (proposals) => proposals.map((p) => {
    const job = { task: run.task as RunTask, dataset: run.dataset, seed: jobSeed(run.seed, p.key) };
    const { shape, classes } = jobData(job, resolutionOf(p.genotype));
    const net = buildNetwork(space, p.genotype, { task: spaceTaskOf(job.task), inShape: shape, classes, rng: createRng(job.seed) });
    try {
      const scores = jobScores(job, net, proxies);
      return proxies.map((n) => { const s = scores[n]; return 'value' in s ? s.value : NaN; });
    } finally {
      net.dispose();
    }
  });
}
