import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../search/store/store.ts';
import { createAgingEvolution } from '../search/strategies/aging-evolution.ts';
import type { Strategy } from '../search/strategies/types.ts';
import type { TabularCellGenotype } from '../search/space/types.ts';
import { nb201Space, syntheticMetrics } from './strategy-fixtures.ts';

const space = nb201Space();
const options = { populationSize: 6, sampleSize: 2 };

/** One evaluation as a search loop records it: result and strategy state in one transaction. */
function evaluateOne(store: Store, runId: number, strategy: Strategy<TabularCellGenotype>): string {
  const [p] = strategy.ask(1);
  const parent = p.parentKey === undefined ? undefined : store.getCandidateByKey(runId, p.parentKey);
  const { id } = store.insertCandidate(runId, { genotype: p.genotype, key: p.key, parentIds: parent ? [parent.id] : [], generation: p.generation });
  store.markRunning(id, 'w0');
  const metrics = syntheticMetrics(p.genotype);
  store.transaction(() => {
    store.completeCandidate(id, { metrics });
    strategy.tell([{ key: p.key, metrics }]);
    store.saveRunState(runId, strategy.state());
  });
  return p.key;
}

test('a search stopped mid-run resumes from the store and continues exactly as an uninterrupted one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-resume-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'runs.db');

  const straight = createAgingEvolution(space, options, { seed: 5 });
  const reference = openStore(join(dir, 'reference.db'));
  const refRun = reference.createRun({ name: 'ref', strategy: 'aging-evolution', spaceName: space.name, spaceDefinition: space.def, spaceHash: space.hash,
    task: 'classification', dataset: 'synthetic', config: options, seed: 5, backend: 'none', versions: {}, commandLine: 'test' });
  const expected = Array.from({ length: 30 }, () => evaluateOne(reference, refRun.id, straight));
  reference.close();

  let store = openStore(path);
  const run = store.createRun({ ...refRun, name: 'resumed' });
  let strategy = createAgingEvolution(space, options, { seed: 5 });
  const got = Array.from({ length: 12 }, () => evaluateOne(store, run.id, strategy));
  store.updateRunStatus(run.id, 'stopped');
  store.close();

  store = openStore(path);
  const saved = store.getRun(run.id)!;
  assert.equal(saved.status, 'stopped');
  strategy = createAgingEvolution(space, saved.config as typeof options, { state: saved.state });
  store.updateRunStatus(run.id, 'running');
  got.push(...Array.from({ length: 18 }, () => evaluateOne(store, run.id, strategy)));
  assert.deepEqual(got, expected);
  const children = store.listCandidates(run.id).filter((c) => c.generation > 0);
  assert.ok(children.length > 0 && children.every((c) => c.parentIds.length === 1), 'children link to their parent rows');
  store.close();
});
