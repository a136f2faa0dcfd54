/** Shared by the explorer tests: a temporary database filled through the store's API, and an independent front oracle. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../search/store/store.ts';

export function tempDb(): { path: string; store: Store; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cellscape-explorer-'));
  const path = join(dir, 'runs.db');
  const store = openStore(path);
  return { path, store, cleanup: () => { store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const dir = { accuracy: 1, miou: 1, latency_ms: -1, params: -1, flops: -1 } as const;

/** Ids of the non-dominated done candidates by brute force (O(n²)): no shared code with the server. */
export function bruteFront(store: Store, runId: number, a: keyof typeof dir, b: keyof typeof dir): number[] {
  const cs = store.listCandidates(runId, { status: 'done' }).filter((c) => c.metrics[a] != null && c.metrics[b] != null);
  const better = (p: typeof cs[number], q: typeof cs[number]) => {
    const da = dir[a] * (p.metrics[a]! - q.metrics[a]!);
    const db = dir[b] * (p.metrics[b]! - q.metrics[b]!);
    return da >= 0 && db >= 0 && (da > 0 || db > 0);
  };
  return cs.filter((q) => !cs.some((p) => better(p, q))).map((c) => c.id).sort((x, y) => x - y);
}
