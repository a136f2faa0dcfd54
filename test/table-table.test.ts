import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTableEvaluator, loadTable, parseTable } from '../search/evaluate/table.ts';
import { allTabularCells, syntheticRow, toCsv } from './synthetic-nb201.ts';
import { syntheticMetrics } from './strategy-fixtures.ts';
import { formatNb201, parseNb201 } from '../search/space/tabular-cell.ts';
import { NB201_OPS } from '../search/space/ops.ts';
import { UsageError } from '../search/util/errors.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';

const A = '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|';
const B = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const columns = { arch: 'arch', metrics: { accuracy: 'valid_acc', latency_ms: 'lat', params: 'n_params' } };

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-table-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('CSV: header names the columns; quoted fields, CRLF, a BOM and blank lines are read', () => {
  const csv = `\uFEFFarch,valid_acc,lat,n_params,note\r\n${A},0.91,3.5,1200,"a, quoted ""note"""\r\n\r\n"${B}",0.1,0.5,0,"two\nlines"\r\n`;
  const table = parseTable('t.csv', csv, columns);
  assert.deepEqual(table.rows.get(A), { accuracy: 0.91, latency_ms: 3.5, params: 1200 });
  assert.deepEqual(table.rows.get(B), { accuracy: 0.1, latency_ms: 0.5, params: 0 });
  assert.equal(table.rows.size, 2);
});

test('JSON Lines: one object per line, numbers or numeric strings', () => {
  const jsonl = `{"arch":"${A}","valid_acc":0.91,"lat":"3.5","n_params":1200,"mflops":40}\n\n{"arch":"${B}","valid_acc":0.1,"lat":0.5,"n_params":0,"mflops":0}\n`;
  const table = parseTable('t.jsonl', jsonl, { ...columns, metrics: { ...columns.metrics, flops: 'mflops' } });
  assert.deepEqual(table.rows.get(A), { accuracy: 0.91, latency_ms: 3.5, params: 1200, flops: 40 });
  assert.deepEqual(parseTable('t.ndjson', jsonl, { metrics: { accuracy: 'valid_acc' } }).rows.get(B), { accuracy: 0.1 }, 'unnamed columns are ignored');
});

test('errors name the file, the line and the column', () => {
  const header = 'arch,valid_acc,lat,n_params\n';
  const cases: [string, string, RegExp][] = [
    ['t.csv', 'arch,acc,lat,n_params\n' + `${A},0.9,1,2\n`, /^t\.csv:1: no column 'valid_acc' \(named as the accuracy column\); columns: arch, acc, lat, n_params$/],
    ['t.csv', header + `${A},0.9,1,2\n${B},0.9,fast,2\n`, /^t\.csv:3: column 'lat': expected a number, got "fast"$/],
    ['t.csv', header + `${A},0.9,,2\n`, /^t\.csv:2: column 'lat': expected a number, got ""$/],
    ['t.csv', header + `${A},0.9,1\n`, /^t\.csv:2: expected 4 fields as in the header, got 3$/],
    ['t.csv', header + `${A},0.9,1,2\n${A},0.8,1,2\n`, /^t\.csv:3: column 'arch': '.*' already on line 2$/],
    ['t.csv', header + `,0.9,1,2\n`, /^t\.csv:2: column 'arch': expected an architecture string/],
    ['t.csv', header + `${A},0.9,1,"2\n`, /^t\.csv:2: unterminated quoted field$/],
    ['t.csv', header, /^t\.csv: no rows after the header$/],
    ['t.csv', '', /^t\.csv: empty file/],
    ['t.jsonl', `{"arch":"${A}","valid_acc":0.9,"lat":1,"n_params":2}\n{"arch":"${B}",\n`, /^t\.jsonl:2: invalid JSON/],
    ['t.jsonl', `{"arch":"${A}","valid_acc":0.9,"lat":1,"n_params":2}\n{"arch":"${B}","lat":1,"n_params":2}\n`, /^t\.jsonl:2: column 'valid_acc': expected a number, got nothing$/],
    ['t.jsonl', `[1,2]\n`, /^t\.jsonl:1: expected a JSON object per line$/],
    ['t.txt', header, /^t\.txt: unknown table format/],
  ];
  for (const [path, text, pattern] of cases) {
    assert.throws(() => parseTable(path, text, columns), (err: Error) => {
      assert.ok(err instanceof UsageError, `${path}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    });
  }
});

test('a missing file is a usage error naming it', (t) => {
  const path = join(tempDir(t), 'absent.csv');
  assert.throws(() => loadTable(path, columns), (err: Error) => err instanceof UsageError && err.message.includes(path) && /ENOENT/.test(err.message));
});

test('all 15 625 NAS-Bench-201 cells from a file; lookups use the raw string, and a missing cell names itself', (t) => {
  const cells = allTabularCells(NB201_OPS, 4);
  assert.equal(cells.length, 15625);
  assert.equal(new Set(cells.map(formatNb201)).size, 15625);
  const path = join(tempDir(t), 'nb201.csv');
  writeFileSync(path, toCsv(cells.map((g) => syntheticRow(g, formatNb201(g)))));
  const table = loadTable(path, { metrics: { accuracy: 'accuracy', latency_ms: 'latency_ms', params: 'params' } });
  assert.equal(table.rows.size, 15625);
  const evaluator = createTableEvaluator<TabularCellGenotype>(table, formatNb201);
  // The strategy tests take the synthetic metrics directly: they are what the table gives back.
  for (const g of cells) assert.deepEqual(evaluator.evaluate(g), syntheticMetrics(g));

  const dead = evaluator.evaluate(parseNb201(B));
  assert.equal(dead.accuracy, 0.1, 'a cell whose output receives nothing is at chance');
  assert.equal(dead.latency_ms, 0.5);
  const a = evaluator.evaluate(parseNb201(A));
  assert.ok(a.accuracy! > 0.5 && a.latency_ms! > dead.latency_ms!, JSON.stringify(a));
  assert.equal(a.params, 9 * 16 * 16 + 16 * 16);

  // Evaluations are copies: a caller changing one does not change the table.
  a.accuracy = 0;
  assert.notEqual(evaluator.evaluate(parseNb201(A)).accuracy, 0);

  const small = parseTable('small.csv', `arch,accuracy\n${A},0.9\n`, { metrics: { accuracy: 'accuracy' } });
  assert.throws(() => createTableEvaluator<TabularCellGenotype>(small, formatNb201).evaluate(parseNb201(B)),
    (err: Error) => err instanceof UsageError && err.message.includes(`'${B}'`) && err.message.includes('small.csv'));
});
