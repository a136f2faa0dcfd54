/**
 * An evaluation that exhausts the tensor heap (the wasm backend's "Aborted()") is recorded as
 * 'oom' with the batch size to lower, and its worker thread, whose backend is aborted for good,
 * is replaced: the next evaluation runs on a fresh thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPoolExecutor } from '../search/executor/pool.ts';
import { failureOf } from '../search/executor/serve.ts';
import type { EvalTask } from '../search/contracts/eval-task.ts';
import { job } from './executor-fixtures.ts';
import { loadSpace, readJsonFile, resolveSpacePath } from '../search/space/load.ts';
import { createRng } from '../search/util/rng.ts';

const LIMIT_MB = 24;

const fixture = new URL('./executor-fixture-worker.ts', import.meta.url).href;
const task = (id: number, key: string): EvalTask => ({ job: job(id, key), evaluator: { kind: 'proxy' } });

test('out-of-memory messages of the backends are oom with the batch size; other errors are not', () => {
  for (const message of ['Aborted(). Build with -sASSERTIONS for more info.', 'Array buffer allocation failed', 'Cannot enlarge memory arrays']) {
    const outcome = failureOf(new Error(message), task(1, 'x'));
    assert.equal(!outcome.ok && outcome.kind, 'oom', message);
    assert.match(!outcome.ok ? outcome.error : '', /^out of memory \(.+\); lower --batch-size \(now 10\)$/);
  }
  const other = failureOf(new Error('loss is NaN'), task(1, 'x'));
  assert.equal(!other.ok && other.kind, 'error');
});

test('a wasm abort fails its evaluation as oom and the next one runs on a fresh worker thread', async () => {
  const ex = createPoolExecutor({ workers: 1, heartbeatMs: 50, filename: fixture });
  try {
    const before = await ex.start(task(1, 'ok')).done;
    const aborted = await ex.start(task(2, 'wasm-abort')).done;
    assert.equal(!aborted.ok && aborted.kind, 'oom', JSON.stringify(aborted));
    assert.match(!aborted.ok ? aborted.error : '', /lower --batch-size/);
    const after = await ex.start(task(3, 'ok')).done;
    assert.ok(before.ok && after.ok, JSON.stringify([before, after]));
    assert.notEqual(after.result.worker, before.result.worker, 'the aborted thread was replaced');
  } finally {
    await ex.close();
  }
});

test('--max-memory bounds the tensors: a task whose tensors pass it fails as oom on the real worker', async () => {
  // A batch of 256 Fashion-MNIST images through a real cell network grows the wasm heap well past
  // the limit. Only the tensors are limited here: parsing the data set alone takes more JS heap.
  const space = loadSpace(resolveSpacePath('darts-fmnist-small'));
  const base = job(1, 'mem', space.sample(createRng(1)));
  const big = { ...base, spaceDef: readJsonFile(resolveSpacePath('darts-fmnist-small')), budget: { ...base.budget, batchSize: 256, trainImages: 512, valImages: 256 } };
  const ex = createPoolExecutor({ workers: 1, heartbeatMs: 200, maxTensorMb: LIMIT_MB });
  try {
    const outcome = await ex.start({ job: big, evaluator: { kind: 'proxy' } }).done;
    assert.equal(!outcome.ok && outcome.kind, 'oom', JSON.stringify(outcome).slice(0, 300));
    assert.match(!outcome.ok ? outcome.error : '', new RegExp(`^out of memory \\(tensors took \\d+ MB, over --max-memory ${LIMIT_MB} MB\\); lower --batch-size \\(now 256\\)$`));
  } finally {
    await ex.close();
  }
});
