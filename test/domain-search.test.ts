/**
 * `cellscape search --dataset scenes-domain` end to end on a worker pool: candidates adapt as the
 * flags ask, store target_miou and domain_gap beside miou, and a search ranks by the target; bad
 * adaptation flags fail with a line naming the flag.
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
const tiny = ['--space', 'seg-blocks', '--dataset', 'scenes-domain', '--epochs', '1', '--train-images', '16', '--val-images', '10', '--batch-size', '8', '--latency-runtime', 'none', '--zc', 'none'];

test('an adversarial domain-shift search on the pool stores the target metrics and optimises target_miou', () => {
  const db = join(dir, 'domain.db');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'search/cli.ts'), 'search', ...tiny, '--strategy', 'random', '--budget', '2', '--workers', '1',
    '--adapt', 'adversarial', '--adapt-weight', '0.3', '--objectives', 'target_miou,domain_gap', '--seed', '1', '--db', db], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /proxy training on scenes-domain \(\w+\), adapting: adversarial \(weight 0\.3\)/);
  const store = openStore(db, { readonly: true });
  try {
    const run = store.getRun(1)!;
    const config = run.config as { objectives: string[]; evaluator: { adapt?: unknown }; fitness: { metric?: string } };
    assert.deepEqual(config.objectives, ['target_miou', 'domain_gap']);
    assert.deepEqual(config.evaluator.adapt, { method: 'adversarial', weight: 0.3 });
    assert.equal(config.fitness.metric, 'target_miou');
    const done = store.listCandidates(1, { status: 'done' });
    assert.equal(done.length, 2);
    for (const c of done) {
      const m = c.metrics;
      assert.ok(m.target_miou! >= 0 && m.target_miou! <= 1 && m.miou! >= 0, JSON.stringify(m));
      assert.ok(Math.abs(m.domain_gap! - (m.miou! - m.target_miou!)) < 1e-9);
    }
  } finally {
    store.close();
  }
});

test('bad adaptation flags fail before the run starts, naming the flag', async () => {
  const db = join(dir, 'bad.db');
  const cases: [string[], RegExp][] = [
    [['--space', 'seg-blocks', '--adapt', 'adversarial'], /--adapt: only with --dataset scenes-domain/],
    [[...tiny, '--adapt', 'dann'], /--adapt 'dann'/],
    [[...tiny, '--adapt-weight', '0.5'], /--adapt-weight: only with --adapt adversarial/],
    [[...tiny, '--adapt', 'adversarial', '--pseudo-rounds', '2'], /--pseudo-rounds: not an option of --adapt adversarial/],
    [[...tiny, '--adapt', 'self-training', '--pseudo-threshold', '1.5'], /--pseudo-threshold '1.5'/],
    [['--space', 'seg-blocks', '--objectives', 'target_miou,latency_ms'], /target_miou is measured only with --dataset scenes-domain/],
    [['--space', 'seg-blocks', '--dataset', 'scenes-domain', '--evaluator', 'zc:synflow', '--objectives', 'target_miou,params'], /target_miou is not measured by the zero-cost evaluator/],
  ];
  for (const [args, message] of cases) {
    const r = await cellscapeInProcess(['search', ...args, '--db', db]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message);
  }
});
