/**
 * The table evaluator: a job's genotype looked up in a benchmark table by the space's string form
 * of it. Tables and spaces are loaded once per thread and kept, since every job of a run names the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import type { EvalJob } from '../contracts/job.ts';
import { parseSpaceDef, spaceFromDef, type LoadedSpace } from '../space/load.ts';
import { formatNb201 } from '../space/tabular-cell.ts';
import type { Genotype, TabularCellGenotype } from '../space/types.ts';
import type { Evaluator } from './evaluator.ts';
import { columnsAt, createTableEvaluator, loadTable, tableColumnsSchema, type Table } from './table.ts';

const spec = z.strictObject({
  kind: z.literal('table'),
  path: z.string(),
  columns: tableColumnsSchema,
  /** Makes each lookup cost this much wall time, to exercise parallel and interrupted searches at table speed. */
  delayMs: z.int().min(0).optional(),
  /**
   * The image-epochs whose lookup costs delayMs, when a lookup's cost scales with its budget (a
   * multi-fidelity search over a table with a column per budget: a rung costs what its training would).
   */
  delayImageEpochs: z.number().positive().optional(),
  /** sha256 of the table file when the run started: a resumed run must see the same table (search/run/record.ts). */
  sha256: z.string().optional(),
});

const tables = new Map<string, Table>();
const spaces = new Map<string, LoadedSpace>();

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

export const tableEvaluator: Evaluator<typeof spec> = {
  spec,
  usesTf: false,
  async evaluate(job, s, ctx) {
    const columns = columnsAt(s.columns, job.budget);
    const tableKey = `${s.path}\0${JSON.stringify(columns)}`;
    let table = tables.get(tableKey);
    if (!table) tables.set(tableKey, (table = loadTable(s.path, columns)));
    const space = spaceOf(job);
    const m = createTableEvaluator(table, (g: Genotype) => archString(space, g)).evaluate(space.validate(job.genotype));
    if (s.delayMs) await sleep(s.delayImageEpochs ? (s.delayMs * job.budget.epochs * job.budget.trainImages) / s.delayImageEpochs : s.delayMs);
    return {
      metrics: m, epochs: [], backend: 'table', worker: ctx.worker ?? `pid ${process.pid} thread ${threadId}`,
    };
  },
  latencyNote: (s) => (s.columns.metrics.latency_ms ? `latency from the benchmark table's column ${s.columns.metrics.latency_ms}` : 'latency not measured'),
};
