/**
 * `node --import tsx bench/explorer.ts [--candidates 100000] [--points 10000] [--no-browser]`:
 * API latency of the explorer on a large run (cold = first request, warm = cached) and the
 * delay from storing a candidate to its server-sent event; then, in Chromium, hover and brush
 * responsiveness of the Pareto plot with many points. Prints one JSON line per figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { openStore } from '../search/store/store.ts';
import { createRng } from '../search/util/rng.ts';
import { startExplorer, appIsBuilt } from '../explorer/server/server.ts';
import { addSampleCandidates, createSampleRun } from '../explorer/sample-runs.ts';

const { values } = parseArgs({ options: {
  candidates: { type: 'string', default: '100000' },
  points: { type: 'string', default: '10000' },
  'no-browser': { type: 'boolean', default: false },
} });
const N = Number(values.candidates);
const P = Number(values.points);
const print = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'explorer', ...o }));

const dir = mkdtempSync(join(tmpdir(), 'cellscape-bench-'));
const dbPath = join(dir, 'runs.db');
const store = openStore(dbPath);
let t = performance.now();
const big = createSampleRun(store, { name: 'bench-big', candidates: N, populationSize: 100 });
const rng = createRng(1);
for (let done = 0; done < N; done += 5000) addSampleCandidates(store, big, Math.min(5000, N - done), rng, 'cell', 100);
const small = createSampleRun(store, { name: 'bench-plot', candidates: P, populationSize: 100 });
addSampleCandidates(store, small, P, createRng(2), 'cell', 100);
print({ what: 'fill database', candidates: N + P, ms: Math.round(performance.now() - t) });

const explorer = await startExplorer({ dbPath, port: 0 });
const u = new URL(explorer.url);

function timed(path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: +(performance.now() - t0).toFixed(1), bytes, status: res.statusCode! }));
    }).on('error', reject).end();
  });
}

const paths = [
  '/api/runs', `/api/runs/${big}`, `/api/runs/${big}/candidates`, `/api/runs/${big}/front?x=latency&y=accuracy`,
  `/api/runs/${big}/front?x=params&y=accuracy`, `/api/runs/${big}/progress`, `/api/candidates/${Math.floor(N / 2)}`,
  `/api/compare?runs=${big},${small}&x=latency&y=accuracy`,
];
for (const p of paths) {
  const cold = await timed(p);
  const warm = [await timed(p), await timed(p), await timed(p)].sort((a, b) => a.ms - b.ms)[1];
  print({ what: 'api', path: p.replace(/\d+/g, ':n'), candidates: N, first_ms: cold.ms, repeat_ms: warm.ms, kb: Math.round(cold.bytes / 1024), status: cold.status });
}

// Store → server-sent event delay (the server polls every 500 ms).
{
  const delays: number[] = [];
  for (let k = 0; k < 5; k++) {
    const cursor = JSON.parse(await new Promise<string>((resolve) => request({ host: u.hostname, port: u.port, path: `/api/runs/${small}/candidates` }, (res) => {
      let b = ''; res.setEncoding('utf8'); res.on('data', (c) => (b += c)); res.on('end', () => resolve(b));
    }).end())).cursor as string;
    const delay = await new Promise<number>((resolve, reject) => {
      let t0 = 0;
      setTimeout(() => reject(new Error('no event within 10 s')), 10000).unref();
      const req = request({ host: u.hostname, port: u.port, path: `/api/runs/${small}/events?cursor=${encodeURIComponent(cursor)}` }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => { if (c.includes('event: candidates')) { resolve(performance.now() - t0); req.destroy(); } });
        setTimeout(() => { t0 = performance.now(); addSampleCandidates(store, small, 1, createRng(100 + k)); }, 120);
      });
      req.on('error', () => {});
      req.end();
    });
    delays.push(delay);
  }
  delays.sort((a, b) => a - b);
  print({ what: 'store → event', runs: delays.length, median_ms: Math.round(delays[2]), max_ms: Math.round(delays[4]) });
}

if (!values['no-browser']) {
  if (!appIsBuilt()) throw new Error('build the app first: npm run build:explorer');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  t = performance.now();
  await page.goto(`${explorer.url}/#/run/${small}`);
  await page.waitForSelector(`[data-testid="pareto"][data-points="${P + 5}"]`, { timeout: 60000 });
  print({ what: 'load run view', points: P + 5, ms: Math.round(performance.now() - t) });

  // Each figure: from the synthetic event to the second animation frame after it (the plot has painted).
  // Plain JavaScript: the page must not see the TypeScript loader's helpers.
  const figures = await page.evaluate(`(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    const root = document.querySelector('[data-testid="pareto"]') ;
    const overlay = root.querySelector('rect.overlay');
    const box = overlay.getBoundingClientRect();
    const hover = [];
    for (let k = 0; k < 60; k++) {
      const x = box.left + ((k * 37) % 100) / 100 * box.width;
      const y = box.top + ((k * 61) % 100) / 100 * box.height;
      const t0 = performance.now();
      overlay.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true }));
      await frame();
      hover.push(performance.now() - t0);
    }
    const stats = (v) => { const s = [...v].sort((a, b) => a - b); return { median_ms: +s[s.length >> 1].toFixed(1), p95_ms: +s[Math.floor(s.length * 0.95)].toFixed(1) }; };
    return { hover: stats(hover) };
  })()`) as { hover: { median_ms: number; p95_ms: number } };
  print({ what: 'hover → painted', points: P + 5, ...figures.hover });
  // Brushing with real input events: from the mouse-up to the second frame after the selection landed.
  await page.getByRole('button', { name: 'Select', exact: true }).click();
  const box = (await page.locator('[data-testid="pareto"] rect.overlay').first().boundingBox())!;
  await page.evaluate(`(() => {
    window.__brush = [];
    const root = document.querySelector('[data-testid="pareto"]');
    window.addEventListener('mouseup', () => {
      const t0 = performance.now();
      const obs = new MutationObserver(() => {
        obs.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => window.__brush.push({ ms: performance.now() - t0, selected: Number(root.getAttribute('data-selected')) })));
      });
      obs.observe(root, { attributes: true, attributeFilter: ['data-selected'] });
    }, true);
  })()`);
  for (let k = 0; k < 8; k++) {
    const x0 = box.x + box.width * (0.05 + k * 0.04);
    const y0 = box.y + box.height * (0.05 + (k % 2) * 0.1);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x0 + box.width * (0.3 + k * 0.02), y0 + box.height * 0.7, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(`window.__brush.length === ${k + 1}`);
  }
  const brush = await page.evaluate('window.__brush') as { ms: number; selected: number }[];
  const ms = brush.map((b) => b.ms).sort((a, b) => a - b);
  print({ what: 'brush → painted', points: P + 5, median_ms: +ms[ms.length >> 1].toFixed(1), max_ms: +ms[ms.length - 1].toFixed(1),
    selected_median: brush.map((b) => b.selected).sort((a, b) => a - b)[brush.length >> 1] });
  await browser.close();
}

await explorer.close();
store.close();
rmSync(dir, { recursive: true, force: true });
