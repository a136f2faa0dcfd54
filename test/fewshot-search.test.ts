/**
 * `cellscape search --task fewshot-seg` end to end on a worker pool: the run records the task,
 * its candidates store 1- and 5-shot novel mIoU beside latency, NSGA-II's front is over them, and
 * bad few-shot flags fail before the run starts with a line naming the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../search/store/store.ts';
import { cellscapeInProcess } from './cli-in-process.ts';
import { tempDir } from './executor-fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();
const tiny = ['--space', 'seg-blocks', '--task', 'fewshot-seg', '--epochs', '1', '--train-images', '16', '--val-images', '60', '--batch-size', '8', '--episodes', '2'];

test('a few-shot NSGA-II search on the pool stores novel-class mIoU and optimises it against latency', () => {
  const db = join(dir, 'fewshot.db');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', ...tiny, '--strategy', 'moo', '--budget', '2', '--workers', '1',
    '--fewshot-head', 'attention', '--objectives', 'fewshot_miou_1shot,latency_ms', '--latency-repeats', '2', '--seed', '1', '--db', db], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /attention few-shot episodes/);
  const store = openStore(db, { readonly: true });
  try {
    const run = store.getRun(1)!;
    assert.equal(run.task, 'fewshot-seg');
    assert.equal(run.dataset, 'scenes-objects');
    const config = run.config as { objectives: string[]; evaluator: { kind: string; head: string; episodes: number } };
    assert.deepEqual(config.objectives, ['fewshot_miou_1shot', 'latency_ms']);
    assert.deepEqual([config.evaluator.kind, config.evaluator.head, config.evaluator.episodes], ['fewshot', 'attention', 2]);
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 2);
    for (const c of done) {
      const m = c.metrics;
      assert.ok(m.fewshot_miou_1shot! >= 0 && m.fewshot_miou_1shot! <= 1 && m.fewshot_miou_5shot! >= 0 && m.latency_ms! > 0, JSON.stringify(m));
      assert.equal(m.miou, undefined, 'plain mIoU is not a few-shot figure');
    }
  } finally {
    store.close();
  }
});

test('bad few-shot flags fail before the run starts, naming the flag', async () => {
  const db = join(dir, 'bad.db');
  const cases: [string[], RegExp][] = [
    [['--task', 'fewshot-seg'], /--task fewshot-seg: needs a segmentation space; this one's task is classification/],
    [['--space', 'seg-blocks', '--task', 'fewshot'], /--task 'fewshot'/],
    [['--space', 'seg-blocks', '--fewshot-head', 'prototype'], /--fewshot-head: only with --task fewshot-seg/],
    [[...tiny, '--fewshot-head', 'mlp'], /--fewshot-head 'mlp'/],
    [[...tiny, '--dataset', 'scenes-context'], /--dataset 'scenes-context': a fewshot-seg space trains on scenes-objects/],
    [[...tiny, '--zc', 'synflow'], /--zc: few-shot candidates are not scored untrained/],
    [['--space', 'seg-blocks', '--objectives', 'fewshot_miou_1shot,latency_ms'], /fewshot_miou_1shot is not measured by the proxy evaluator/],
    [[...tiny, '--evaluator', 'zc:synflow', '--objectives', 'fewshot_miou_5shot,params'], /fewshot_miou_5shot is not measured by the zero-cost evaluator/],
  ];
  for (const [args, message] of cases) {
    const r = await cellscapeInProcess(['search', ...args, '--db', db]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
});
