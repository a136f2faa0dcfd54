/**
 * genotype.json files written before the metric registry (schema version 1, made by commit
 * 9882eff from test/fixtures/prev-release.db: `cellscape export 2|4 --best --format json`) still
 * load, with their search metrics under the registry's names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkGenotypeExport, readGenotypeExport } from '../search/export/genotype-json.ts';
import { UsageError } from '../search/util/errors.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/genotype-v1/${name}.json`, import.meta.url));
const raw = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

test('a version-1 classification export loads with its metrics renamed and nulls left out', () => {
  const old = raw('classification');
  assert.equal(old.schemaVersion, 1);
  const { doc, genotype } = readGenotypeExport(fixture('classification'));
  assert.equal(doc.schemaVersion, 2);
  assert.deepEqual(genotype, old.genotype);
  const s = doc.metrics.search!;
  assert.equal(s.accuracy, old.metrics.search.accuracy);
  assert.equal(s.latency_ms, old.metrics.search.latencyMs);
  assert.equal(s.latency_iqr_ms, old.metrics.search.latencyIqrMs);
  assert.equal(s.train_seconds, old.metrics.search.trainSeconds);
  assert.equal(s.params, old.metrics.search.params);
  assert.equal(old.metrics.search.score, null);
  assert.equal('score' in s, false);
});

test("a version-1 segmentation export's accuracy (which held mIoU) becomes miou", () => {
  const old = raw('segmentation');
  const s = readGenotypeExport(fixture('segmentation')).doc.metrics.search!;
  assert.equal(s.miou, old.metrics.search.accuracy);
  assert.equal('accuracy' in s, false);
});

test('a damaged version-1 export is refused naming the field under its new name', () => {
  const old = raw('classification');
  old.metrics.search.latencyMs = 'fast';
  assert.throws(() => checkGenotypeExport(old, 'old.json'), (e: unknown) => e instanceof UsageError && /old\.json.*latency_ms/.test((e as Error).message));
});
