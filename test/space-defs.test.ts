import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpace, SPACE_DEFS_DIR, spaceHash, parseSpaceDef } from '../search/space/load.ts';
import { schemaFileText, SCHEMA_PATH } from '../search/space/write-schema.ts';
import { tempDir } from './temp-dir.ts';

const shipped = readdirSync(SPACE_DEFS_DIR).filter((f) => f.endsWith('.json') && f !== 'schema.json');
const cifar = JSON.parse(readFileSync(join(SPACE_DEFS_DIR, 'darts-cifar10.json'), 'utf8'));

function writeTemp(name: string, value: unknown): string {
  const path = join(tempDir('space-'), name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

test('the committed schema.json is the one the zod schema generates', () => {
  assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), schemaFileText(),
    'space-defs/schema.json is stale: run node --import tsx search/space/write-schema.ts');
});

test('every shipped definition loads and points editors at the schema', () => {
  for (const name of ['darts-fmnist-small.json', 'darts-cifar10.json', 'mobile-blocks.json', 'nb201.json']) assert.ok(shipped.includes(name), name);
  for (const file of shipped) {
    const path = join(SPACE_DEFS_DIR, file);
    const space = loadSpace(path);
    assert.equal(space.name, file.replace(/\.json$/, ''));
    assert.match(space.hash, /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).$schema, './schema.json', file);
  }
});

test('the shipped DARTS space is the published one', () => {
  const space = loadSpace(join(SPACE_DEFS_DIR, 'darts-cifar10.json'));
  assert.equal(space.family, 'cell');
  if (space.family !== 'cell') return;
  assert.deepEqual(space.def.cell.ops, ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']);
  assert.deepEqual([space.def.cell.nodes, space.def.network.C, space.def.network.layers, space.def.network.auxiliary], [4, 36, 20, true]);
});

test('a bad operation is reported with the file and the JSON path', () => {
  const bad = structuredClone(cifar);
  bad.cell.ops[3] = 'skip_conect';
  const path = writeTemp('x.json', bad);
  assert.throws(() => loadSpace(path), (err: Error) => {
    assert.equal(err.name, 'UsageError');
    assert.match(err.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$\\.cell\\.ops\\[3\\]: expected one of none, max_pool_3x3, `));
    return true;
  });
});

test('wrong types, unknown fields, a wrong family and duplicates are each named', () => {
  const cases: [(d: any) => void, RegExp][] = [
    [(d) => { d.network.C = '36'; }, /: \$\.network\.C: expected number/],
    [(d) => { d.network.lyers = 3; }, /: \$\.network: unknown field lyers/],
    [(d) => { d.family = 'cells'; }, /: \$\.family: expected family to be one of cell, tabular-cell, block/],
    [(d) => { d.cell.ops.push('none'); }, /: \$\.cell\.ops\[8\]: duplicate "none"/],
    [(d) => { delete d.input; }, /: \$\.input: expected object/],
  ];
  for (const [edit, expected] of cases) {
    const def = structuredClone(cifar);
    edit(def);
    assert.throws(() => parseSpaceDef(def, 'space-defs/x.json'), (err: Error) => expected.test(err.message) && err.message.startsWith('space-defs/x.json: '));
  }
});

test('attention in an early stage of a block space is refused', () => {
  const blocks = JSON.parse(readFileSync(join(SPACE_DEFS_DIR, 'mobile-blocks.json'), 'utf8'));
  blocks.stages[1].ops.push({ op: 'attention', kind: ['global'] });
  assert.throws(() => parseSpaceDef(blocks, 'b.json'), /b\.json: \$\.stages\[1\]\.ops\[2\]\.op: attention is offered only in later stages/);
});

test('a file that is not JSON is named', () => {
  const path = writeTemp('broken.json', '{ "family": ');
  assert.throws(() => loadSpace(path), (err: Error) => err.message.startsWith(`${path}: not valid JSON`));
});

test('the hash follows the content, not the name or description', () => {
  const def = parseSpaceDef(cifar, 'a');
  const renamed = parseSpaceDef({ ...cifar, name: 'other', description: 'changed' }, 'b');
  const changed = parseSpaceDef({ ...cifar, network: { ...cifar.network, C: 16 } }, 'c');
  assert.equal(spaceHash(def), spaceHash(renamed));
  assert.notEqual(spaceHash(def), spaceHash(changed));
});
