/**
 * What `cellscape search` without flags asks for: a front over accuracy and MACs (exact, where a
 * latency measured on a busy machine is partly noise) for a trained classification proxy, latency
 * kept where it was the default; a fidelity check above the default proxy's budget.
 */
import { test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { flagsSchema } from '../search/commands/search.ts';
import { configFrom, withTaskDefaults } from '../search/run/drivers/ask-tell.ts';
import { resolveSpacePath } from '../search/space/load.ts';
import { defaultCheckBudget, REFERENCE_BUDGET } from '../search/reference/budget.ts';
import { writeLatencyTable } from '../search/latency/table.ts';
import { tempDir } from './executor-fixtures.ts';

const configOf = (flags: Record<string, string>, space = 'darts-fmnist-small', task = 'classification') =>
  configFrom(withTaskDefaults(flagsSchema.parse({ space, ...flags }), task), resolveSpacePath(space), task);

test('a default classification search fronts accuracy against MACs; --objectives and the other evaluators and tasks keep theirs', () => {
  assert.deepEqual(configOf({}).objectives, ['accuracy', 'flops']);
  assert.deepEqual(configOf({ objectives: 'accuracy,latency_ms' }).objectives, ['accuracy', 'latency_ms']);
  // A latency predicted from a lookup table is exact, so it stays the cost.
  const lut = join(tempDir(), 'lut.json');
  writeLatencyTable(lut, {
    version: 1, runtime: 'tfjs', backend: 'wasm', threads: 1, space: 'darts-fmnist-small', spaceHash: 'h', inShape: [28, 28, 1],
    warmup: 1, repeats: 3, created: new Date(0).toISOString(), entries: { unit: { medianMs: 0.1, iqrMs: 0 } },
  });
  assert.deepEqual(configOf({ 'latency-runtime': `lut:${lut}` }).objectives, ['accuracy', 'latency_ms']);
  assert.deepEqual(configOf({ evaluator: 'zc:synflow' }).objectives, ['zc_synflow', 'latency_ms']);
  assert.deepEqual(configOf({ evaluator: 'zc:synflow', 'latency-runtime': 'none' }).objectives, ['zc_synflow', 'params']);
  assert.deepEqual(configOf({}, 'seg-blocks', 'segmentation').objectives, ['miou', 'latency_ms']);
});

test('the default search leaves NSGA-II more than one generation of selection within its budget', () => {
  const c = configOf({});
  assert.equal(c.strategy, 'moo');
  assert.ok(c.budget >= 3 * c.population, `budget ${c.budget}, population ${c.population}`);
});

test('the default proxy\'s fidelity check trains at the reference tables\' budget, at least 5x the proxy\'s image-epochs', () => {
  const { proxy } = configOf({});
  const check = defaultCheckBudget(proxy);
  assert.deepEqual({ epochs: check.epochs, trainImages: check.trainImages }, { epochs: REFERENCE_BUDGET.epochs, trainImages: REFERENCE_BUDGET.trainImages });
  assert.ok(check.epochs * check.trainImages >= 5 * proxy.epochs * proxy.trainImages);
});
