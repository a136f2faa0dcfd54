/**
 * Runs one task in the current thread: the code a pool worker and the in-process executor share.
 * Tables and spaces are loaded once per thread and kept, since every job of a run names the same.
 *
 * Every import here is static: piscina loads a worker module through require(), which tsx
 * compiles, but its ESM hooks are not active in worker threads on Node 20, so a dynamic
 * import() of a .ts file fails there with "Unknown file extension".
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.ts';
import { evaluateJob } from '../evaluate/proxy.ts';
import { threadId } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTable, createTableEvaluator, type Table } from '../evaluate/table.ts';
import { parseSpaceDef, spaceFromDef, type LoadedSpace } from '../space/load.ts';
import { formatNb201 } from '../space/tabular-cell.ts';
import type { Genotype, TabularCellGenotype } from '../space/types.ts';
import type { EvalJob } from '../contracts/job.ts';
import type { EvalResult } from '../contracts/result.ts';
import type { EvaluatorSpec, EvalTask } from '../contracts/eval-task.ts';
import type { TensorCount } from '../contracts/outcome.ts';
import type { LatencyLock } from '../latency/lock.ts';

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

/** What the thread running a task offers it. */
export interface TaskContext {
  /** A sign of life, called on every training step (steps do not let timers run). */
  beat?: () => void;
  /** The latency lock shared by every worker of the executor. */
  lock?: LatencyLock;
}

async function train(job: EvalJob, ctx: TaskContext): Promise<{ result: EvalResult; tensors: TensorCount }> {
  // Once per thread: later calls return the backend already chosen.
  await initBackend({ backend: job.backend });
  const before = tf.memory().numTensors;
  // evaluateJob routes segmentation jobs to their own evaluator.
  const result = await evaluateJob(job, { lock: ctx.lock, worker: workerName(), onStep: ctx.beat });
  return { result, tensors: { before, after: tf.memory().numTensors } };
}

export async function runTask(task: EvalTask, ctx: TaskContext = {}): Promise<{ result: EvalResult; tensors: TensorCount | null }> {
  switch (task.evaluator.kind) {
    case 'table': return { result: await lookUp(task.job, task.evaluator), tensors: null };
    case 'proxy': return train(task.job, ctx);
  }
}
