/** Formatting of rank-fidelity figures (null: undefined, one side constant). */
export const fmtFigure = (v: number | null): string => (v == null ? '—' : v.toFixed(3));
export const fmtShare = (v: number | null): string => (v == null ? '—' : `${Math.round(v * 100)} %`);
/** A correlation below the threshold, or none at all, is a warning. */
export const isLow = (spearman: number | null, below: number): boolean => spearman == null || spearman < below;
