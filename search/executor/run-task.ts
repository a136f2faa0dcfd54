/**
 * Runs one task in the current thread: the code a pool worker and the in-process executor share.
 * Tables and spaces are loaded once per thread and kept, since every job of a run names the same.
 */
import { threadId } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTable, createTableEvaluator, type Table } from '../evaluate/table.ts';
import { parseSpaceDef, spaceFromDef, type LoadedSpace } from '../space/load.ts';
import { formatNb201 } from '../space/tabular-cell.ts';
import type { Genotype, TabularCellGenotype } from '../space/types.ts';
import type { EvalJob, EvalResult } from './job.ts';
import type { EvaluatorSpec, Task, TensorCount } from './types.ts';

// TODO(proxy): import the module by literal once search/evaluate/proxy.ts is committed.
const proxyModule = '../evaluate/proxy.ts';

const tables = new Map<string, Table>();
const spaces = new Map<string, LoadedSpace>();

export const workerName = (): string => `${process.pid}/thread-${threadId}`;

function spaceOf(job: EvalJob): LoadedSpace {
  const text = JSON.stringify(job.spaceDef);
  let space = spaces.get(text);
  if (!space) spaces.set(text, (space = spaceFromDef(parseSpaceDef(job.spaceDef, `space of run ${job.runId}`))));
  return space;
}

/** How a table names an architecture: NAS-Bench-201's string for tabular cells, the canonical key otherwise. */
function archString(space: LoadedSpace, g: Genotype): string {
  return space.family === 'tabular-cell' ? formatNb201(g as TabularCellGenotype) : (space.key as (g: Genotype) => string)(g);
}

async function lookUp(job: EvalJob, spec: Extract<EvaluatorSpec, { kind: 'table' }>): Promise<EvalResult> {
  const tableKey = `${spec.path}\0${JSON.stringify(spec.columns)}`;
  let table = tables.get(tableKey);
  if (!table) tables.set(tableKey, (table = loadTable(spec.path, spec.columns)));
  const space = spaceOf(job);
  const started = performance.now();
  const m = createTableEvaluator(table, (g: Genotype) => archString(space, g)).evaluate(space.validate(job.genotype));
  if (spec.delayMs) await sleep(spec.delayMs);
  return {
    accuracy: m.accuracy, latencyMs: m.latencyMs ?? null, latencyIqrMs: null, // NaN: the table has no such column (stored as unknown, not as zero).
    params: m.params ?? NaN, flops: m.flops ?? NaN,
    trainSeconds: (performance.now() - started) / 1000, epochs: [], backend: 'table', worker: workerName(),
  };
}

async function train(job: EvalJob): Promise<{ result: EvalResult; tensors: TensorCount }> {
  const [tf, { initBackend }, { evaluateJob }] = await Promise.all([
    import('@tensorflow/tfjs'), import('../backend/index.ts'),
    import(proxyModule) as Promise<{ evaluateJob(job: EvalJob): Promise<EvalResult> }>,
  ]);
  // Once per thread: later calls return the backend already chosen.
  await initBackend({ backend: job.backend });
  const before = tf.memory().numTensors;
  const result = await evaluateJob(job);
  return { result, tensors: { before, after: tf.memory().numTensors } };
}

export async function runTask(task: Task): Promise<{ result: EvalResult; tensors: TensorCount | null }> {
  switch (task.evaluator.kind) {
    case 'table': return { result: await lookUp(task.job, task.evaluator), tensors: null };
    case 'proxy': return train(task.job);
  }
}
