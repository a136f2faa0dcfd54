/**
 * The transfer tasks through the queue: a real Redis server and a real `cellscape worker` run a
 * plain segmentation job, a domain-shift job (adversarial adaptation on scenes-domain) and a
 * few-shot job, and each comes back with what the same job gives in process: the same metrics
 * and the same previews the explorer shows (source and target samples, the few-shot episode).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../search/backend/index.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import type { EvalResult } from '../search/contracts/result.ts';
import { createQueueExecutor } from '../search/executor/queue.ts';
import { parseRedisUrl } from '../search/executor/queue-redis.ts';
import type { Executor } from '../search/executor/types.ts';
import { evaluatorOf } from '../search/evaluate/registry.ts';
import { readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { referencesOf } from '../search/space/references.ts';
import { redisMissing, startRedis, startWorker, type RedisServer, type WorkerProcess } from './queue-fixtures.ts';

const skip = redisMissing();

const job = (candidateId: number, task: EvalJob['task'], dataset: string): EvalJob => ({
  runId: 1, candidateId, key: `${task}:${dataset}`, spaceDef: readJsonFile(resolveSpacePath('seg-blocks')),
  genotype: referencesOf('seg-blocks').find((r) => r.name === 'bisenet-like')!.genotype, task, dataset,
  budget: { epochs: 1, trainImages: 16, valImages: 60, batchSize: 8, learningRate: 0.003 }, latency: { runtime: 'none', warmup: 0, repeats: 1 }, seed: 4,
});
const TASKS = [
  { name: 'segmentation', job: job(1, 'segmentation', 'scenes-objects'), evaluator: { kind: 'proxy', zeroCost: [] }, previews: ['segmentation'] },
  { name: 'domain shift', job: job(2, 'segmentation', 'scenes-domain'), evaluator: { kind: 'proxy', zeroCost: [], adapt: { method: 'adversarial', weight: 1 } }, previews: ['segmentation', 'domain'] },
  { name: 'few-shot', job: job(3, 'fewshot-seg', 'scenes-objects'), evaluator: { kind: 'fewshot', dim: 8, episodes: 2 }, previews: ['fewshot'] },
];

let redis: RedisServer;
let worker: WorkerProcess;
let executor: Executor;

before(async () => {
  if (skip) return;
  redis = await startRedis();
  worker = await startWorker(redis.url, ['--name', 'transfer', '--concurrency', '3']);
  executor = await createQueueExecutor({ redis: parseRedisUrl(redis.url), namespace: 'transfer', slots: 3, maxAttempts: 1, pollMs: 300, stalledCheckMs: 1000 });
});

after(async () => {
  await executor?.close();
  await worker?.stop();
  await redis?.stop();
});

test('segmentation, domain-shift and few-shot jobs run on a queue worker and return what they give in process', { skip }, async () => {
  const outcomes = await Promise.all(TASKS.map((t) => executor.start({ job: t.job, evaluator: t.evaluator as never }).done));
  await initBackend();
  for (const [i, t] of TASKS.entries()) {
    const outcome = outcomes[i];
    assert.ok(outcome.ok, `${t.name}: ${JSON.stringify(outcome)}\n${worker.output()}`);
    const queued = outcome.result;
    assert.match(queued.worker, /^transfer\//, `${t.name} ran on the worker`);
    const e = evaluatorOf(t.evaluator.kind);
    const local: EvalResult = await e.evaluate(t.job, e.spec.parse(t.evaluator), {});
    const { train_seconds: _q, ...metrics } = queued.metrics;
    const { train_seconds: _l, ...expected } = local.metrics;
    assert.deepEqual(metrics, expected, `${t.name}: metrics`);
    for (const p of t.previews) assert.deepEqual(queued.extra?.[p], local.extra?.[p], `${t.name}: the ${p} preview`);
  }
});
