/**
 * The queue executor for one sitting of a run (`search` or `resume` with `--executor queue`):
 * the run's namespace, in-flight window and attempts, messages on stderr, and an event for the
 * run's record saying where jobs went and where latencies come from.
 */
import { UsageError } from '../util/errors.ts';
import type { LatencySpec } from '../contracts/latency-spec.ts';
import { createQueueExecutor, runNamespace } from './queue.ts';
import { evaluatorOf } from '../evaluate/registry.ts';
import { DEFAULT_QUEUE, exposureWarning, parseRedisUrl } from './queue-redis.ts';
import type { Executor } from './types.ts';
import type { EvaluatorSpec } from '../contracts/eval-task.ts';

export interface QueueRunEvent {
  level: 'info' | 'warn';
  kind: string;
  message: string;
  data: unknown;
}

/** Where a queue run's latencies come from, for the run's record. */
function queueLatencyNote(evaluator: EvaluatorSpec, spec: LatencySpec): string {
  const e = evaluatorOf(evaluator.kind);
  const own = e.latencyNote?.(e.spec.parse(evaluator));
  if (own !== undefined) return own;
  switch (spec.runtime) {
    case 'lut': return `latency from the lookup table ${spec.lutPath ?? '(none named)'}`;
    case 'none': return 'latency not measured';
    default: return `latency not measured: ${spec.runtime} timings on heterogeneous queue workers would not compare (use a lookup table)`;
  }
}

export async function openQueueForRun(
  run: { id: number; createdAt: number },
  config: { inFlight: number; maxAttempts: number; evaluator: EvaluatorSpec; latency: LatencySpec },
  redisUrl: string | undefined,
  record: (e: QueueRunEvent) => void,
  queue: string = DEFAULT_QUEUE,
): Promise<Executor> {
  if (!redisUrl) throw new UsageError('--executor queue: needs --redis URL (redis://[:PASSWORD@]HOST:PORT)');
  const redis = parseRedisUrl(redisUrl);
  const warning = exposureWarning(redis);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  let lastError = '';
  const executor = await createQueueExecutor({
    redis, queue, namespace: runNamespace(run), slots: config.inFlight, maxAttempts: config.maxAttempts,
    // Reconnection errors repeat on every retry while Redis is away; say each once.
    onError: (err) => { if (err.message !== lastError) process.stderr.write(`\nqueue: ${err.message}\n`); lastError = err.message; },
    log: (line) => process.stderr.write(`\n${line}\n`),
  });
  const latency = queueLatencyNote(config.evaluator, config.latency);
  record({
    level: 'info', kind: 'executor', message: `jobs on queue '${queue}' at ${redis.where}; ${latency}`,
    data: { executor: 'queue', redis: redis.where, queue, namespace: runNamespace(run), latency },
  });
  return executor;
}
