/**
 * A DARTS run's perturbation selection as the explorer shows it: the criterion from the run's
 * config, every move's decisions with what the supernet scored without each candidate (from the
 * 'darts-selection' events), and the selected genotype (from 'darts-selected'). A Zero-Cost-PT run
 * of `--epochs 0` has nothing else to show. Stored data of another shape is left out, never a 500.
 */
import type { Run, StoreReader } from '../../search/store/types.ts';
import {
  DARTS_SELECTED_EVENT, DARTS_SELECTION_EVENT, ptSelectionSchema, selectedSchema, selectionMoveSchema, withoutKey,
} from '../../search/contracts/darts-selection.ts';
import type { SelectionAnswer, SelectionDecision } from './api-types.ts';

const SUFFIX = withoutKey('');

/** A stored decision with its figures gathered: `{ jacob_covWithout: x }` becomes `without: { jacob_cov: x }`. */
function decision(d: Record<string, unknown>): SelectionDecision {
  const figures = Object.keys(d).filter((k) => k.endsWith(SUFFIX)).map((k) => k.slice(0, -SUFFIX.length));
  if (typeof d.edge === 'number') {
    return {
      kind: 'edge', edge: d.edge, kept: d.kept as string,
      without: Object.fromEntries(figures.map((f) => [f, d[withoutKey(f)] as Record<string, number>])),
    };
  }
  const perFigure = figures.map((f) => [f, d[withoutKey(f)] as Record<string, number>[]] as const);
  const rounds = (perFigure[0]?.[1] ?? []).map((_, r) => Object.fromEntries(perFigure.map(([f, rs]) => [f, rs[r] ?? {}])));
  return { kind: 'node', node: d.node as number, kept: d.kept as number[], rounds };
}

/** Null for a run whose cell is read off the alphas. */
export function selectionAnswer(store: StoreReader, run: Run): SelectionAnswer | null {
  const config = ptSelectionSchema.safeParse(run.config.selection);
  if (run.strategy !== 'darts' || !config.success) return null;
  const moves = store.listEventsOfKind(DARTS_SELECTION_EVENT, run.id).flatMap((e) => {
    const m = selectionMoveSchema.safeParse(e.data);
    return m.success ? [{ move: m.data.move, normal: decision(m.data.normal), reduce: decision(m.data.reduce) }] : [];
  });
  const selected = store.listEventsOfKind(DARTS_SELECTED_EVENT, run.id).map((e) => selectedSchema.safeParse(e.data)).filter((r) => r.success).at(-1)?.data;
  return {
    criterion: config.data.criterion, valImages: config.data.valImages, tuneSteps: config.data.tuneSteps,
    moves,
    genotype: selected?.genotype ?? null,
    parameterFree: selected?.collapse ? { count: selected.collapse.parameterFree, edges: selected.collapse.edges } : null,
  };
}
