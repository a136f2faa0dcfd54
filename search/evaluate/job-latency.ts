/** The latency a job asks for, shared by the classification and segmentation evaluators. */
import type { EvalJob } from '../contracts/job.ts';
import type { MetricValues } from '../contracts/metrics.ts';
import type { LatencyLock } from '../latency/lock.ts';
import { latencyRuntime } from '../latency/runtimes.ts';
import { predictLatency, readLatencyTable, type LatencyTable } from '../latency/table.ts';
import type { Network } from '../nn/network.ts';

const tables = new Map<string, LatencyTable>();
function table(path: string): LatencyTable {
  let t = tables.get(path);
  if (!t) tables.set(path, (t = readLatencyTable(path)));
  return t;
}

/** Latency as the job asks (as metrics: absent when not measured): none, predicted from a lookup table, or measured under the lock on a runtime. */
export async function jobLatency(job: EvalJob, net: Network, lock?: LatencyLock): Promise<Pick<MetricValues, 'latency_ms' | 'latency_iqr_ms'>> {
  const spec = job.latency;
  switch (spec.runtime) {
    case 'none':
      return {};
    case 'lut': {
      if (!spec.lutPath) throw new Error(`job ${job.candidateId}: latency runtime 'lut' needs lutPath`);
      return { latency_ms: predictLatency(table(spec.lutPath), net, spec.lutPath) };
    }
    default: {
      const m = await (await latencyRuntime(spec.runtime)).measure(net, net.config.inShape, { warmup: spec.warmup, repeats: spec.repeats, lock });
      return { latency_ms: m.medianMs, latency_iqr_ms: m.iqrMs };
    }
  }
}
