/**
 * The DARTS failure mode: parameter-free operations (skip connections, pooling) win the
 * architecture weights because they make the supernet train fastest, and the derived normal cell
 * degenerates. We call a normal cell collapsed when at least `share` of its edges are
 * parameter-free (P-DARTS caps skips at two of eight edges; half the cell is well past that).
 */
import type { CellGenotype } from '../../space/types.ts';
import { PARAMETER_FREE_OPS } from '../../space/ops.ts';

export interface CollapseReport {
  collapsed: boolean;
  /** Parameter-free edges of the normal cell, out of `edges`. */
  parameterFree: number;
  edges: number;
  /** Parameter-free ops by name, e.g. { skip_connect: 3 }. */
  ops: Record<string, number>;
}

export function detectCollapse(g: CellGenotype, share = 0.5): CollapseReport {
  if (!(share > 0 && share <= 1)) throw new Error(`collapse share must be in (0, 1], got ${share}`);
  const ops: Record<string, number> = {};
  let parameterFree = 0;
  for (const [op] of g.normal) {
    if (!PARAMETER_FREE_OPS.includes(op)) continue;
    parameterFree++;
    ops[op] = (ops[op] ?? 0) + 1;
  }
  return { collapsed: parameterFree >= share * g.normal.length, parameterFree, edges: g.normal.length, ops };
}
