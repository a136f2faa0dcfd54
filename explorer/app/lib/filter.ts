/**
 * Column filters typed by hand: `>0.9`, `<= 5`, `1..3`, `=12` or a bare number (equal).
 * Accuracy may be written in percent (`>91` means above 0.91).
 */
export type Test = (v: number | null) => boolean;

export function parseFilter(text: string, percent = false): Test | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  const num = (s: string) => {
    const m = /^(-?\d*\.?\d+(?:e-?\d+)?)\s*([kKmMgGbB]?)$/.exec(s.trim());
    if (!m) return NaN;
    const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, b: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 'b'];
    const v = Number(m[1]) * mult;
    return percent && v > 1 ? v / 100 : v;
  };
  const range = /^(.+)\.\.(.+)$/.exec(t);
  if (range) {
    const a = num(range[1]); const b = num(range[2]);
    return Number.isNaN(a) || Number.isNaN(b) ? 'invalid' : (v) => v != null && v >= a && v <= b;
  }
  const cmp = /^(>=|<=|>|<|=)?\s*(.+)$/.exec(t);
  if (!cmp) return 'invalid';
  const v0 = num(cmp[2]);
  if (Number.isNaN(v0)) return 'invalid';
  switch (cmp[1]) {
    case '>': return (v) => v != null && v > v0;
    case '>=': return (v) => v != null && v >= v0;
    case '<': return (v) => v != null && v < v0;
    case '<=': return (v) => v != null && v <= v0;
    default: return (v) => v != null && Math.abs(v - v0) <= Math.abs(v0) * 1e-9;
  }
}
