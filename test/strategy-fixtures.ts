/** Shared by the strategy tests and bench/hypervolume.ts: the NB201 space and a synthetic table over all its cells. */
import { parseSpaceDef, resolveSpacePath, readJsonFile, spaceFromDef } from '../search/space/load.ts';
import { formatNb201, type TabularCellSpace } from '../search/space/tabular-cell.ts';
import { allTabularCells, syntheticRow, toCsv } from '../search/evaluate/table-synthetic.ts';
import { createTableEvaluator, parseTable } from '../search/evaluate/table.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

export function nb201Space(overrides: { ops?: string[]; nodes?: number } = {}): TabularCellSpace {
  const def = readJsonFile(resolveSpacePath('nb201')) as { cell: { ops: string[]; nodes: number } };
  const cell = { ops: overrides.ops ?? def.cell.ops, nodes: overrides.nodes ?? def.cell.nodes };
  return spaceFromDef(parseSpaceDef({ ...def, cell }, 'nb201 (test)')) as TabularCellSpace;
}

/** The synthetic benchmark as CSV text, parsed back through the real table reader. */
export function syntheticEvaluator(space: TabularCellSpace) {
  const cells = allTabularCells(space.def.cell.ops, space.def.cell.nodes);
  const csv = toCsv(cells.map((g) => syntheticRow(g, formatNb201(g))));
  const table = parseTable('synthetic-nb201.csv', csv, { accuracy: 'accuracy', latency: 'latency_ms', params: 'params' });
  return { table, evaluator: createTableEvaluator<TabularCellGenotype>(table, formatNb201) };
}
