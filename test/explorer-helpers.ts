/** Shared by the explorer tests: a temporary database filled through the store's API, and an independent front oracle. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { appIsBuilt } from '../explorer/server/server.ts';
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

export const CHROMIUM = '/usr/bin/chromium';
/** For `test(..., { skip })`: false when Debian's Chromium is there (never a downloaded browser). */
export const skipBrowser: false | string = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;

/** Debian's Chromium, headless, with a page that fails the test on any page error; builds the app first if it is missing. */
export async function openChromium(): Promise<{ browser: Browser; page: Page }> {
  if (!appIsBuilt()) {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'explorer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('vite build failed');
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (e) => { throw e; });
  return { browser, page };
}

/** GET base + path, asserting the status; the body as JSON. */
export async function fetchJson<T>(base: string, path: string, status = 200): Promise<T> {
  const res = await fetch(`${base}${path}`);
  assert.equal(res.status, status, path);
  return (await res.json()) as T;
}
