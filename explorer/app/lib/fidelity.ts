/** Formatting of rank-fidelity figures (null: undefined, one side constant). */
export const fmtFigure = (v: number | null): string => (v == null ? '—' : v.toFixed(3));
export const fmtShare = (v: number | null): string => (v == null ? '—' : `${Math.round(v * 100)} %`);
/** A correlation below the threshold, or none at all, is a warning. */
export const isLow = (spearman: number | null, below: number): boolean => spearman == null || spearman < below;
/** A stored interval as text; older measurements have none. */
export const fmtInterval = (lo: number | null | undefined, hi: number | null | undefined): string =>
  (lo == null || hi == null ? '' : `${lo.toFixed(2)} to ${hi.toFixed(2)}`);
/** An interval that reaches 0: the figure cannot be told from chance at its n. */
export const isChance = (lo: number | null | undefined): boolean => lo != null && lo <= 0;
