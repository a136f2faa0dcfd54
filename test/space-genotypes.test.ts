import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSpace, SPACE_DEFS_DIR, type LoadedSpace } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';
import type { CellGenotype, Genotype, TabularCellGenotype } from '../search/space/types.ts';
import { NAMED_GENOTYPES } from '../search/space/named.ts';
import { formatPythonGenotype, parsePythonGenotype } from '../search/space/python-repr.ts';
import { formatNb201, parseNb201 } from '../search/space/tabular-cell.ts';
import { parseGenotypeText } from '../search/space/genotype-input.ts';

const space = (name: string): LoadedSpace => loadSpace(join(SPACE_DEFS_DIR, `${name}.json`));
const spaces = ['darts-cifar10', 'darts-fmnist-small', 'nb201', 'mobile-blocks'].map(space);
// The spaces' methods are typed per family; these tests drive them through the common interface.
type AnySpace = { sample(r: ReturnType<typeof createRng>): Genotype; mutate(g: Genotype, r: ReturnType<typeof createRng>): Genotype;
  crossover(a: Genotype, b: Genotype, r: ReturnType<typeof createRng>): Genotype; key(g: Genotype): string; validate(g: unknown): Genotype };
const any = (s: LoadedSpace): AnySpace => s as unknown as AnySpace;

test('sample, mutate and crossover give valid genotypes that are plain JSON', () => {
  for (const s of spaces.map(any)) {
    const rng = createRng(7);
    for (let i = 0; i < 30; i++) {
      const a = s.sample(rng);
      const b = s.sample(rng);
      for (const g of [a, s.mutate(a, rng), s.crossover(a, b, rng)]) {
        assert.doesNotThrow(() => s.validate(g));
        assert.deepEqual(JSON.parse(JSON.stringify(g)), g);
      }
    }
  }
});

test('the same seed gives the same genotypes, another seed others', () => {
  for (const s of spaces.map(any)) {
    const run = (seed: number): string[] => {
      const rng = createRng(seed);
      const a = s.sample(rng);
      const b = s.sample(rng);
      return [a, s.mutate(a, rng), s.crossover(a, b, rng)].map((g) => JSON.stringify(g));
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  }
});

test('mutation changes the key and leaves its parent untouched', () => {
  for (const s of spaces.map(any)) {
    const rng = createRng(11);
    let unchanged = 0;
    for (let i = 0; i < 100; i++) {
      const g = s.sample(rng);
      const before = JSON.stringify(g);
      if (s.key(s.mutate(g, rng)) === s.key(g)) unchanged++;
      assert.equal(JSON.stringify(g), before);
    }
    assert.ok(unchanged <= 2, `${unchanged} of 100 mutations kept the key`);
  }
});

test('crossover of a genotype with itself is that genotype; with another it mixes both', () => {
  const s = any(spaces[0]);
  const rng = createRng(5);
  const a = s.sample(rng);
  const b = s.sample(rng);
  assert.equal(s.key(s.crossover(a, a, rng)), s.key(a));
  const children = Array.from({ length: 20 }, () => s.key(s.crossover(a, b, rng)));
  assert.ok(children.some((k) => k !== s.key(a) && k !== s.key(b)));
});

test('cell keys: swapped inputs, dead nodes and relabelled nodes build the same network', () => {
  const s = spaces[0];
  if (s.family !== 'cell') throw new Error('cell space expected');
  const v2 = NAMED_GENOTYPES.DARTS_V2;
  const swapped: CellGenotype = structuredClone(v2);
  [swapped.normal[4], swapped.normal[5]] = [swapped.normal[5], swapped.normal[4]];
  assert.equal(s.key(swapped), s.key(v2));

  // Nodes 2 and 3 of DARTS_V2's normal cell both read only the cell inputs: exchange their places.
  const relabelled: CellGenotype = structuredClone(v2);
  relabelled.normal = [v2.normal[2], v2.normal[3], v2.normal[0], v2.normal[1], ...v2.normal.slice(4)];
  relabelled.normal[7] = ['dil_conv_3x3', 3];
  const notRelabelled: CellGenotype = structuredClone(relabelled);
  notRelabelled.normal[2] = ['sep_conv_5x5', 0];
  assert.equal(s.key(relabelled), s.key(v2));
  assert.notEqual(s.key(notRelabelled), s.key(v2));

  // Node 4 left out of the concat and read by no node: its edges do not matter.
  const withNode4 = (op: string, input: number, node5Reads = 2): CellGenotype => {
    const g = structuredClone(v2);
    g.normal_concat = [2, 3, 5];
    g.normal[4] = [op, input];
    g.normal[7] = ['dil_conv_3x3', node5Reads];
    return g;
  };
  assert.equal(s.key(withNode4('sep_conv_5x5', 3)), s.key(withNode4('avg_pool_3x3', 1)));
  assert.notEqual(s.key(withNode4('sep_conv_5x5', 3)), s.key(v2));
  // ...unless another node reads it: then it lives.
  assert.notEqual(s.key(withNode4('sep_conv_5x5', 3, 4)), s.key(withNode4('avg_pool_3x3', 1, 4)));
  // Different operations on a live edge differ.
  const other = structuredClone(v2);
  other.reduce[0] = ['avg_pool_3x3', 0];
  assert.notEqual(s.key(other), s.key(v2));
});

test('NB201 keys: edges that cannot reach the output, or carry only zero, do not matter', () => {
  const s = spaces[2];
  const g = (text: string): TabularCellGenotype => parseNb201(text);
  // Node 2 reaches the output only through a none edge: its incoming edges are unused.
  const a = '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|';
  const b = '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|';
  assert.equal(s.key(g(a) as never), s.key(g(b) as never));
  // Node 1 receives only zero, so what leaves it is zero too.
  const c = '|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|';
  const d = '|none~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|';
  assert.equal(s.key(g(c) as never), s.key(g(d) as never));
  // Nodes 1 and 2 exchanged (no edge between them).
  const e = '|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|';
  const f = '|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';
  assert.equal(s.key(g(e) as never), s.key(g(f) as never));
  assert.notEqual(s.key(g(a) as never), s.key(g(e) as never));
});

test('block keys ignore layers beyond a stage\'s depth', () => {
  const s = any(spaces[3]);
  const g = s.sample(createRng(2)) as { stages: { depth: number; layers: unknown[] }[] };
  const stage = g.stages.findIndex((st) => st.layers.length > st.depth);
  assert.ok(stage >= 0);
  const trimmed = structuredClone(g);
  trimmed.stages[stage].layers.splice(g.stages[stage].depth);
  assert.doesNotThrow(() => s.validate(trimmed));
  assert.equal(s.key(trimmed as never), s.key(g as never));
  const deeper = structuredClone(g);
  deeper.stages[stage].depth = deeper.stages[stage].layers.length;
  assert.notEqual(s.key(deeper as never), s.key(g as never));
});

// The genotypes as their authors' repositories print them (see search/space/named.ts).
const PUBLISHED: Record<string, string> = {
  DARTS_V2: "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
  PC_DARTS_cifar: "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=range(2, 6), reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=range(2, 6))",
  PDARTS: "PDARTS = Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0),('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3',0), ('dil_conv_5x5', 4)], normal_concat=range(2, 6), reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), ('dil_conv_5x5', 3)], reduce_concat=range(2, 6))",
  DARTS_V1: `DARTS_V1 = Genotype(
  normal = [
    ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), # node 2
    ('skip_connect', 0), ('sep_conv_3x3', 1),
    ('skip_connect', 0), ('sep_conv_3x3', 1),
    ('sep_conv_3x3', 0), ('skip_connect', 2),
  ],
  normal_concat = [2, 3, 4, 5],
  reduce = [('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)],
  reduce_concat = [2, 3, 4, 5],
)`,
  GDAS_V1: `Genotype(
  normal=[
    (('skip_connect', 0), ('skip_connect', 1)),
    (('skip_connect', 0), ('sep_conv_5x5', 2)),
    (('sep_conv_3x3', 3), ('skip_connect', 0)),
    (('sep_conv_5x5', 4), ('sep_conv_3x3', 3))],
  normal_concat=[2, 3, 4, 5],
  reduce=[
    (('sep_conv_5x5', 0), ('sep_conv_3x3', 1)),
    (('sep_conv_5x5', 2), ('sep_conv_5x5', 1)),
    (('dil_conv_5x5', 2), ('sep_conv_3x3', 1)),
    (('sep_conv_5x5', 0), ('sep_conv_5x5', 1))],
  reduce_concat=[2, 3, 4, 5],
  connectN=None, connects=None
)`,
};

test('published Python reprs parse to the built-in genotypes and validate in the DARTS space', () => {
  const s = spaces[0];
  for (const [name, text] of Object.entries(PUBLISHED)) {
    const g = parsePythonGenotype(text, name);
    assert.deepEqual(g, NAMED_GENOTYPES[name], name);
    assert.doesNotThrow(() => s.validate(g));
  }
  for (const [name, g] of Object.entries(NAMED_GENOTYPES)) assert.doesNotThrow(() => s.validate(g), name);
});

test('per-edge weights in a repr are dropped; the repr round-trips', () => {
  const weighted = "Genotype(normal=[('skip_connect', 0, 0.13), ('skip_connect', 1, 0.12)], normal_concat=range(2, 3), reduce=[('max_pool_3x3', 0, 0.2), ('sep_conv_3x3', 1, 0.1)], reduce_concat=list(range(2, 3)))";
  const g = parsePythonGenotype(weighted);
  assert.deepEqual(g, { normal: [['skip_connect', 0], ['skip_connect', 1]], normal_concat: [2], reduce: [['max_pool_3x3', 0], ['sep_conv_3x3', 1]], reduce_concat: [2] });
  for (const named of Object.values(NAMED_GENOTYPES)) assert.deepEqual(parsePythonGenotype(formatPythonGenotype(named)), named);
});

test('a malformed repr names the place', () => {
  assert.throws(() => parsePythonGenotype("Genotype(normal=[('sep_conv_3x3', 1)", 'g.txt'), /^UsageError: g\.txt: line 1 column \d+: expected '\)'|g\.txt: line 1/);
  assert.throws(() => parsePythonGenotype("Genotype(normal=[('sep_conv_3x3', 'x')], normal_concat=[2], reduce=[], reduce_concat=[2])", 'g.txt'), /g\.txt: normal\[0\]: expected \('op', input\)/);
});

test('DARTS-notation JSON is read as is and validation names the bad field', () => {
  const s = spaces[0];
  const json = JSON.stringify(NAMED_GENOTYPES.DARTS_V2);
  const read = parseGenotypeText(json, 'g.json');
  assert.equal(read.family, 'cell');
  assert.deepEqual(s.validate(read.genotype), NAMED_GENOTYPES.DARTS_V2);
  const exported = parseGenotypeText(JSON.stringify({ genotype: NAMED_GENOTYPES.DARTS_V1, space: 'darts-cifar10' }), 'e.json');
  assert.deepEqual(exported.genotype, NAMED_GENOTYPES.DARTS_V1);
  assert.equal(exported.space, 'darts-cifar10');

  const bad = structuredClone(NAMED_GENOTYPES.DARTS_V2);
  bad.normal[3] = ['sep_conv_7x7', 1];
  assert.throws(() => s.validate(bad, 'g.json'), /g\.json: \$\.normal\[3\]\[0\]: expected one of none, max_pool_3x3/);
  bad.normal[3] = ['sep_conv_3x3', 3];
  assert.throws(() => s.validate(bad, 'g.json'), /g\.json: \$\.normal\[3\]\[1\]: node 3 can take inputs 0\.\.2, got 3/);
  assert.throws(() => s.validate({ ...NAMED_GENOTYPES.DARTS_V2, reduce_concat: [2, 6] }, 'g.json'), /g\.json: \$\.reduce_concat\[1\]: expected a node 2\.\.5, got 6/);
  assert.throws(() => spaces[1].validate(NAMED_GENOTYPES.DARTS_V2, 'g.json'), /g\.json: \$\.normal: expected 6 edges/);
});

test('NAS-Bench-201 strings round-trip and bad ones are named', () => {
  const s = spaces[2];
  const text = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|';
  const g = parseNb201(text);
  assert.deepEqual(g.nodes, [['nor_conv_3x3'], ['none', 'avg_pool_3x3'], ['skip_connect', 'nor_conv_1x1', 'nor_conv_3x3']]);
  assert.equal(formatNb201(g), text);
  assert.doesNotThrow(() => s.validate(g));
  const rng = createRng(9);
  for (let i = 0; i < 20; i++) {
    const sampled = s.sample(rng) as TabularCellGenotype;
    assert.deepEqual(parseNb201(formatNb201(sampled)), sampled);
  }
  assert.throws(() => parseNb201('|nor_conv_3x3~0|+|none~1|', 'arg'), /arg: \$\.nodes\[1\]\[0\]: expected op~0, got 'none~1'/);
  assert.throws(() => s.validate(parseNb201('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|'), 'arg'), /arg: \$\.nodes\[0\]\[0\]: expected one of none, skip_connect/);
});
