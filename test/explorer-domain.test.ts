/**
 * The explorer's candidate answer for a domain-shift candidate: the target domain's samples and
 * the adaptation method come as `domain`, checked, beside the source samples; a malformed preview
 * is left out rather than passed on.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startExplorer } from '../explorer/server/server.ts';
import type { CandidateDetail } from '../explorer/server/api-types.ts';
import { decodeMask, encodeSegSample, type SegPreview } from '../search/contracts/seg-preview.ts';
import { tempDb } from './explorer-helpers.ts';

const db = tempDb();
after(() => db.cleanup());

const preview = (shift: number): SegPreview => ({
  height: 4, width: 4, classNames: ['background', 'Bag'], ignoreLabel: 255,
  samples: [encodeSegSample(new Uint8Array(16).fill(40 + shift), 1, Uint8Array.from({ length: 16 }, (_, i) => (i + shift) % 2), new Uint8Array(16).fill(shift % 2), 4, 4)],
});

test('a domain-shift candidate answers its target samples and method as domain, once', async () => {
  const runId = db.store.createRun({
    name: 'domain', strategy: 'random', spaceName: 'seg-blocks', spaceDefinition: { family: 'block' }, spaceHash: 'h', task: 'segmentation', dataset: 'scenes-domain',
    config: {}, seed: 0, backend: 'wasm', versions: {}, commandLine: 'cellscape search --dataset scenes-domain (test)',
  }).id;
  const ids = ['good', 'bad'].map((k) => db.store.insertCandidate(runId, { genotype: {}, key: k }).id);
  for (const [i, id] of ids.entries()) {
    db.store.markRunning(id, 'test');
    db.store.completeCandidate(id, {
      metrics: { miou: 0.5, target_miou: 0.3, domain_gap: 0.2 },
      extra: { segmentation: preview(0), domain: i === 0 ? { adapt: { method: 'adversarial', weight: 1 }, target: preview(1), domainLoss: [0.7] } : { adapt: { method: 'source' }, target: { samples: 'none' } } },
    });
  }
  const explorer = await startExplorer({ dbPath: db.path, port: 0, distDir: db.path, pollMs: 100 });
  try {
    const get = async (id: number) => ((await (await fetch(`${explorer.url}/api/candidates/${id}`)).json()) as { candidate: CandidateDetail }).candidate;
    const good = await get(ids[0]);
    assert.equal(good.domain!.adapt.method, 'adversarial');
    assert.deepEqual(decodeMask(good.domain!.target.samples[0].truth), decodeMask(preview(1).samples[0].truth));
    assert.deepEqual(decodeMask(good.segmentation!.samples[0].truth), decodeMask(preview(0).samples[0].truth));
    assert.equal((good.extra as Record<string, unknown>).domain, undefined, 'the target samples are not sent twice');
    assert.equal(good.metrics.target_miou, 0.3);
    const bad = await get(ids[1]);
    assert.equal(bad.domain, null);
    assert.ok(bad.segmentation);
  } finally {
    await explorer.close();
  }
});
