/** The explorer's live candidate columns: rows streamed in after the first answer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatColumns } from '../explorer/app/lib/metrics.ts';
import type { CandidateColumns } from '../search/store/types.ts';

const cols = (rows: { id: number; acc: number; rung: number | null; at: number }[]): CandidateColumns => ({
  id: rows.map((r) => r.id), generation: rows.map(() => 0), parent: rows.map(() => null), score: rows.map(() => null),
  finishedAt: rows.map((r) => r.at), rung: rows.map((r) => r.rung), metrics: { accuracy: rows.map((r) => r.acc) },
});

test('a candidate streamed again after a promotion replaces its bottom-rung point; new candidates are appended', () => {
  const first = cols([{ id: 1, acc: 0.6, rung: 0, at: 10 }, { id: 2, acc: 0.7, rung: 0, at: 20 }]);
  const next = cols([{ id: 2, acc: 0.8, rung: 1, at: 40 }, { id: 3, acc: 0.5, rung: 0, at: 30 }]);
  const merged = concatColumns(first, next);
  assert.deepEqual(merged.id, [1, 2, 3]);
  assert.deepEqual(merged.metrics.accuracy, [0.6, 0.8, 0.5]);
  assert.deepEqual(merged.rung, [0, 1, 0]);
  assert.deepEqual(merged.finishedAt, [10, 40, 30]);
});

test('a metric only the new rows carry is null for the earlier ones', () => {
  const first = cols([{ id: 1, acc: 0.6, rung: null, at: 10 }]);
  const next = { ...cols([{ id: 2, acc: 0.7, rung: null, at: 20 }]), metrics: { accuracy: [0.7], latency_ms: [3] } };
  assert.deepEqual(concatColumns(first, next).metrics.latency_ms, [null, 3]);
});
