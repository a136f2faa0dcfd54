/**
 * Reads cell genotypes as the DARTS family of code bases print them, so that published genotypes
 * paste in: `Genotype(normal=[('sep_conv_3x3', 1), ...], normal_concat=range(2, 6), ...)`,
 * optionally as an assignment (`DARTS_V2 = Genotype(...)`), over several lines with comments and
 * trailing commas, with per-edge weights (`('skip_connect', 0, 0.13)`) or edges grouped in pairs
 * per node (`(('skip_connect', 0), ('sep_conv_5x5', 1))`).
 */
import { UsageError } from '../util/errors.ts';
import { MAX_DEPTH } from '../util/depth.ts';
import type { CellEdge, CellGenotype } from './types.ts';
import { CELL_HALVES } from './cell.ts';

type Value = string | number | null | Value[] | { tuple: Value[] } | { call: string; args: Value[]; kwargs: Record<string, Value> };

interface Token { kind: 'name' | 'num' | 'str' | 'punct'; text: string; at: number }

function tokenize(text: string, fail: (at: number, msg: string) => never): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|#[^\n]*|([A-Za-z_]\w*)|(-?\d+(?:\.\d*)?(?:e-?\d+)?)|'([^'\\]*)'|"([^"\\]*)"|([()[\],=])/y;
  for (let at = 0; at < text.length;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) fail(at, `unexpected '${text[at]}'`);
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ kind: 'num', text: m[2], at });
    else if (m[3] !== undefined || m[4] !== undefined) tokens.push({ kind: 'str', text: m[3] ?? m[4], at });
    else if (m[5] !== undefined) tokens.push({ kind: 'punct', text: m[5], at });
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses one Python literal expression (calls, lists, tuples, strings, numbers, None). */
function parsePython(text: string, source: string): Value {
  const fail = (at: number, msg: string): never => {
    const before = text.slice(0, at).split('\n');
    throw new UsageError(`${source}: line ${before.length} column ${before[before.length - 1].length + 1}: ${msg}`);
  };
  const tokens = tokenize(text, fail);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const end = text.length;
  const expect = (p: string): void => {
    const t = tokens[i++];
    if (!t || t.text !== p || t.kind !== 'punct') fail(t?.at ?? end, `expected '${p}'`);
  };
  const items = (close: string): { values: Value[]; comma: boolean } => {
    const values: Value[] = [];
    let comma = false;
    while (peek()?.text !== close) {
      values.push(value());
      if (peek()?.text === ',') { i++; comma = true; } else break;
    }
    expect(close);
    return { values, comma };
  };
  let depth = 0;
  // Recursive descent: the depth is bounded so that a deeply nested text is an error naming it.
  const value = (): Value => {
    if (depth >= MAX_DEPTH) fail(tokens[i]?.at ?? end, `nested deeper than ${MAX_DEPTH} levels`);
    depth++;
    try {
      return valueAt();
    } finally {
      depth--;
    }
  };
  const valueAt = (): Value => {
    const t = tokens[i++];
    if (!t) return fail(end, 'unexpected end of text');
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'str') return t.text;
    if (t.kind === 'name') {
      if (peek()?.text !== '(') return t.text === 'None' ? null : fail(t.at, `unknown name '${t.text}'`);
      i++;
      const args: Value[] = [];
      const kwargs: Record<string, Value> = {};
      while (peek()?.text !== ')') {
        if (peek()?.kind === 'name' && tokens[i + 1]?.text === '=') { const k = tokens[i].text; i += 2; kwargs[k] = value(); }
        else args.push(value());
        if (peek()?.text === ',') i++; else break;
      }
      expect(')');
      return { call: t.text, args, kwargs };
    }
    if (t.text === '[') return items(']').values;
    if (t.text === '(') {
      const { values, comma } = items(')');
      return values.length === 1 && !comma ? values[0] : { tuple: values };
    }
    return fail(t.at, `unexpected '${t.text}'`);
  };
  // An optional `NAME =` in front, as in a genotypes.py file.
  if (tokens[0]?.kind === 'name' && tokens[1]?.text === '=') i = 2;
  const result = value();
  if (i < tokens.length) fail(tokens[i].at, `unexpected '${tokens[i].text}' after the genotype`);
  return result;
}

const isTuple = (v: Value): v is { tuple: Value[] } => typeof v === 'object' && v !== null && 'tuple' in v;
const isCall = (v: Value): v is { call: string; args: Value[]; kwargs: Record<string, Value> } => typeof v === 'object' && v !== null && 'call' in v;

function edgesOf(v: Value, where: string): CellEdge[] {
  const list = Array.isArray(v) ? v : isTuple(v) ? v.tuple : null;
  if (!list) throw new UsageError(`${where}: expected a list of (op, input) tuples`);
  return list.flatMap((item, k): CellEdge[] => {
    const parts = isTuple(item) ? item.tuple : Array.isArray(item) ? item : null;
    if (parts && parts.length > 0 && parts.every((p) => isTuple(p))) return edgesOf(parts, `${where}[${k}]`);
    const [op, input] = parts ?? [];
    if (typeof op !== 'string' || typeof input !== 'number' || !Number.isInteger(input)) {
      throw new UsageError(`${where}[${k}]: expected ('op', input)`);
    }
    return [[op, input]];
  });
}

function concatOf(v: Value, where: string): number[] {
  // range(a, b) and list(range(a, b)) as printed by Python 3.
  if (isCall(v) && v.call === 'list' && v.args.length === 1) return concatOf(v.args[0], where);
  if (isCall(v) && v.call === 'range') {
    const [a, b] = v.args.length === 1 ? [0, v.args[0]] : v.args;
    if (typeof a !== 'number' || typeof b !== 'number') throw new UsageError(`${where}: expected range(start, stop)`);
    return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
  }
  const list = Array.isArray(v) ? v : isTuple(v) ? v.tuple : null;
  if (!list || !list.every((x) => typeof x === 'number')) throw new UsageError(`${where}: expected a list of node numbers or range(a, b)`);
  return list as number[];
}

/** A cell genotype from its Python repr; the result is not yet checked against a space. */
export function parsePythonGenotype(text: string, source = 'genotype'): CellGenotype {
  const v = parsePython(text, source);
  if (!isCall(v) || v.call !== 'Genotype') throw new UsageError(`${source}: expected Genotype(normal=..., normal_concat=..., reduce=..., reduce_concat=...)`);
  const fields = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
  const get = (f: (typeof fields)[number]): Value => {
    const value = v.kwargs[f] ?? v.args[fields.indexOf(f)];
    if (value === undefined) throw new UsageError(`${source}: Genotype(...) lacks ${f}`);
    return value;
  };
  const extra = Object.keys(v.kwargs).filter((k) => !(fields as readonly string[]).includes(k) && v.kwargs[k] !== null);
  if (extra.length) throw new UsageError(`${source}: Genotype(...) has unknown field ${extra.join(', ')}`);
  const g = {} as CellGenotype;
  for (const half of CELL_HALVES) {
    g[half] = edgesOf(get(half), `${source}: ${half}`);
    g[`${half}_concat`] = concatOf(get(`${half}_concat`), `${source}: ${half}_concat`);
  }
  return g;
}

/** The Python repr of a cell genotype, as DARTS code bases paste it. */
export function formatPythonGenotype(g: CellGenotype): string {
  const edges = (es: CellEdge[]): string => `[${es.map(([op, input]) => `('${op}', ${input})`).join(', ')}]`;
  return `Genotype(normal=${edges(g.normal)}, normal_concat=[${g.normal_concat.join(', ')}], ` +
    `reduce=${edges(g.reduce)}, reduce_concat=[${g.reduce_concat.join(', ')}])`;
}
