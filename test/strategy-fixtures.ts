/** Shared by the strategy tests and bench/hypervolume.ts: the NB201 space and a synthetic table over all its cells. */
import { parseSpaceDef, resolveSpacePath, readJsonFile, spaceFromDef } from '../search/space/load.ts';
import { formatNb201, type TabularCellSpace } from '../search/space/tabular-cell.ts';
import { syntheticRow } from './synthetic-nb201.ts';
import type { Metrics } from '../search/objectives/metrics.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

export function nb201Space(overrides: { ops?: string[]; nodes?: number } = {}): TabularCellSpace {
  const def = readJsonFile(resolveSpacePath('nb201')) as { cell: { ops: string[]; nodes: number } };
  const cell = { ops: overrides.ops ?? def.cell.ops, nodes: overrides.nodes ?? def.cell.nodes };
  return spaceFromDef(parseSpaceDef({ ...def, cell }, 'nb201 (test)')) as TabularCellSpace;
}

/** A cell's metrics in the synthetic benchmark, as the table evaluator reads them from its CSV (test/table-table.test.ts). */
export function syntheticMetrics(g: TabularCellGenotype): Metrics {
  const row = syntheticRow(g, formatNb201(g));
  return { accuracy: row.accuracy, latency_ms: row.latency_ms, params: row.params };
}
