/** Real proxy-training tasks at a tiny budget, for the executor benches. */
import { resolveSpacePath } from '../search/space/load.ts';
import { readSpace } from '../search/run/record.ts';
import { jobSeed } from '../search/run/loop.ts';
import { createRng } from '../search/util/rng.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import type { Genotype, Space } from '../search/space/types.ts';

export function proxyTasks(n: number, o: { seed?: number; trainImages?: number; backend?: string } = {}): EvalTask[] {
  const { def, space: loaded } = readSpace(resolveSpacePath('darts-fmnist-small'));
  const space = loaded as Space<Genotype>;
  const rng = createRng(o.seed ?? 1);
  return Array.from({ length: n }, (_, i) => {
    const genotype = space.sample(rng);
    const key = space.key(genotype);
    return {
      evaluator: { kind: 'proxy' },
      job: {
        runId: 0, candidateId: i + 1, key, spaceDef: def, genotype, task: 'classification', dataset: 'fashion-mnist',
        budget: { epochs: 1, trainImages: o.trainImages ?? 256, valImages: 256, batchSize: 32, learningRate: 0.05 },
        latency: { runtime: 'tfjs', warmup: 1, repeats: 5 }, seed: jobSeed(1, key), backend: o.backend,
      },
    };
  });
}
