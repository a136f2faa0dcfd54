/**
 * The engine's layering (../shared/design.md): a layer loads only layers below it or its own, no
 * module takes part in a value-import cycle, the explorer never loads training code, and the engine
 * never loads the explorer. Type-only imports do not count: they are erased before anything runs.
 * A failure lists the offending imports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph, valueImports, type ImportEdge } from './import-graph.ts';

/**
 * search/'s layers, bottom first; a directory (or top-level file) of search/ belongs to exactly
 * one. A new directory goes in here, in the place its imports allow.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['contracts', 'util'],
  ['backend'],
  ['data'],
  ['nn'],
  ['space'],
  ['objectives'],
  ['onnx'],
  ['latency'],
  ['train'],
  ['evaluate'],
  ['executor'],
  ['strategies'],
  // Only the run layer writes to the store; the store itself needs only contracts and util.
  ['store'],
  ['run'],
  // Both work on finished runs: models out of a run, benchmark tables and fidelity checks from runs.
  ['export', 'reference'],
  ['commands'],
  ['cli.ts'],
];

/** What explorer/ may load from search/: the store's read side and plain data, never training code. */
const EXPLORER_MAY_IMPORT = ['contracts', 'util', 'store', 'objectives'];

/** The one engine module that loads the explorer: the command that serves it. */
const EXPLORER_LAUNCHER = 'search/commands/explore.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const edges = importGraph(root, ['search', 'explorer']);
const show = (e: ImportEdge): string => `${e.from} -> ${e.to}`;

/** search/x/... -> x; search/cli.ts -> cli.ts; outside search/ -> undefined. */
const unitOf = (path: string): string | undefined => path.match(/^search\/([^/]+)/)?.[1];
const levelOf = new Map(LAYERS.flatMap((units, level) => units.map((u) => [u, level] as const)));

test('every directory of search/ has its place in the layer order', () => {
  const units = readdirSync(`${root}/search`).filter((name) => !name.startsWith('.'));
  assert.deepEqual(units.filter((u) => !levelOf.has(u)), [], 'add these to LAYERS in test/architecture-layers.test.ts');
  assert.deepEqual([...levelOf.keys()].filter((u) => !units.includes(u)), [], 'LAYERS names units that do not exist');
});

test('no value-import cycles in search/ and explorer/', () => {
  const found = cycles(edges);
  assert.deepEqual(found, [], `modules importing each other:\n${found.map((c) => `  ${c.join(' <-> ')}`).join('\n')}`);
});

test('no layer of search/ imports a layer above it', () => {
  const upward = edges.filter((e) => {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    return from && to && (levelOf.get(to) ?? Infinity) > (levelOf.get(from) ?? -Infinity);
  }).map(show);
  assert.deepEqual(upward, [], `imports from a lower layer to a higher one:\n  ${upward.join('\n  ')}`);
});

test('the explorer loads only the store, contracts, util and objectives of search/', () => {
  const bad = edges.filter((e) => e.from.startsWith('explorer/') && e.to.startsWith('search/') && !EXPLORER_MAY_IMPORT.includes(unitOf(e.to)!));
  assert.deepEqual(bad.map(show), [], 'the explorer must not load training code');
});

test('the engine never loads the explorer (but the command that serves it)', () => {
  const bad = edges.filter((e) => e.from.startsWith('search/') && e.to.startsWith('explorer/') && e.from !== EXPLORER_LAUNCHER);
  assert.deepEqual(bad.map(show), []);
});

test('the import reader sees what runs and skips what the compiler erases', () => {
  const text = [
    "import type { A } from './a.ts';",
    "import { type B, type C } from './bc.ts';",
    "import { type D, e } from './de.ts';",
    "export type { F } from './f.ts';",
    "export { g } from './g.ts';",
    "import {\n  h,\n} from './h.ts';",
    "import './side-effect.ts';",
    "// import { x } from './comment.ts';",
    "const s = \"import { y } from './string.ts'\";",
    "const lazy = () => import('./lazy.ts');",
  ].join('\n');
  assert.deepEqual(valueImports('x.ts', text), ['./de.ts', './g.ts', './h.ts', './side-effect.ts', './lazy.ts']);
});
