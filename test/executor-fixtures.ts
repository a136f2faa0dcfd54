/** Jobs and a benchmark table file for the executor, search-loop and CLI tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { formatNb201 } from '../search/space/tabular-cell.ts';
import { allTabularCells, syntheticRow, toCsv, toCurveCsv } from './synthetic-nb201.ts';
import type { EvalJob } from '../search/contracts/job.ts';
import type { Genotype } from '../search/space/types.ts';
import { tempDir as scratch } from './temp-dir.ts';

export const tempDir = (): string => scratch('cellscape-exec-');

/** The synthetic NAS-Bench-201 table over every cell, written as CSV into dir. */
export function writeNb201Table(dir: string): string {
  const def = readJsonFile(resolveSpacePath('nb201')) as { cell: { ops: string[]; nodes: number } };
  const path = join(dir, 'nb201-synthetic.csv');
  writeFileSync(path, toCsv(allTabularCells(def.cell.ops, def.cell.nodes).map((g) => syntheticRow(g, formatNb201(g)))));
  return path;
}

/** The synthetic table with learning curves: columns acc_E for each E of `epochs` (a multi-fidelity search's rungs). */
export function writeNb201CurveTable(dir: string, epochs: readonly number[]): string {
  const def = readJsonFile(resolveSpacePath('nb201')) as { cell: { ops: string[]; nodes: number } };
  const path = join(dir, 'nb201-curves.csv');
  writeFileSync(path, toCurveCsv(allTabularCells(def.cell.ops, def.cell.nodes).map((g) => ({ g, row: syntheticRow(g, formatNb201(g)) })), epochs));
  return path;
}

export function job(candidateId: number, key: string, genotype: Genotype = { nodes: [] }): EvalJob {
  return {
    runId: 1, candidateId, key, spaceDef: readJsonFile(resolveSpacePath('nb201')), genotype, task: 'classification',
    dataset: 'fashion-mnist', budget: { epochs: 1, trainImages: 10, valImages: 10, batchSize: 10, learningRate: 0.1 },
    latency: { runtime: 'none', warmup: 0, repeats: 0 }, seed: 1,
  };
}
