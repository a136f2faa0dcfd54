/**
 * Checks, before a run is created, that every row of a benchmark table names an architecture of
 * the search space: a table made for another space (or with rows outside this one) is refused
 * with the row it trips on, rather than failing candidate after candidate once the run exists.
 */
import type { LoadedSpace } from '../space/load.ts';
import { parseNb201 } from '../space/tabular-cell.ts';
import { UsageError } from '../util/errors.ts';
import type { Table } from './table.ts';

/** The genotype a table row names: an NAS-Bench-201 string for tabular cells, the JSON key otherwise. */
function rowGenotype(space: LoadedSpace, arch: string, source: string): unknown {
  if (space.family === 'tabular-cell') return parseNb201(arch, source);
  try {
    return JSON.parse(arch);
  } catch {
    throw new UsageError(`${source}: not an architecture of the ${space.family} space '${space.name}' (expected its JSON form)`);
  }
}

export function checkTableFitsSpace(table: Table, space: LoadedSpace): void {
  for (const arch of table.rows.keys()) {
    const source = `${table.path}: row '${arch.length > 60 ? `${arch.slice(0, 60)}...` : arch}'`;
    space.validate(rowGenotype(space, arch, source) as never, source);
  }
}
