/**
 * One Node process serves the built explorer app and its JSON API over a run store opened
 * read-only (so it can watch a search that is writing the same file). Loopback by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openReader } from '../../search/store/store.ts';
import { createApi, HttpError, parseId } from './routes.ts';
import { serveStatic } from './static.ts';
import { streamRunEvents } from './events.ts';
import { serveRegistered } from './downloads.ts';

export const DEFAULT_DIST = fileURLToPath(new URL('../dist', import.meta.url));

export interface ExplorerOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** The built app (explorer/dist). */
  distDir?: string;
  /** How often event streams look for new rows. */
  pollMs?: number;
}

export interface Explorer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export function appIsBuilt(distDir = DEFAULT_DIST): boolean {
  return existsSync(join(distDir, 'index.html'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const store = openReader(options.dbPath);
  const api = createApi(store);
  const distDir = options.distDir ?? DEFAULT_DIST;
  const pollMs = options.pollMs ?? 500;

  const routeApi = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop 'api'
    const query = Object.fromEntries(url.searchParams);
    if (parts[0] === 'metrics' && parts.length === 1) return json(res, 200, api.metrics(query));
    if (parts[0] === 'runs' && parts.length === 1) return json(res, 200, api.listRuns(query));
    if (parts[0] === 'runs' && parts.length >= 2) {
      const runId = parseId(parts[1], 'run id');
      switch (parts.length === 2 ? '' : parts.length === 3 ? parts[2] : '?') {
        case '': return json(res, 200, api.run(runId, query));
        case 'candidates': return json(res, 200, api.candidatesBody(runId, query));
        case 'front': return json(res, 200, api.front(runId, query));
        case 'progress': return json(res, 200, api.progress(runId, query));
        case 'darts': return json(res, 200, api.darts(runId, query));
        case 'supernet': return json(res, 200, api.supernet(runId, query));
        case 'fidelity-check': return json(res, 200, api.fidelityChecks(runId, query));
        case 'overlays': return json(res, 200, api.overlays(runId, query));
        case 'events': {
          const { cursor, ...rest } = query;
          if (Object.keys(rest).length > 0) throw new HttpError(400, `query: unknown parameter '${Object.keys(rest)[0]}'`);
          return streamRunEvents(runId, cursor, store, api, req, res, pollMs);
        }
      }
    }
    if (parts[0] === 'candidates' && parts.length === 2) return json(res, 200, api.candidate(parseId(parts[1], 'candidate id'), query));
    if (parts[0] === 'candidates' && parts.length === 4 && parts[2] === 'files') {
      const files = api.files(parseId(parts[1], 'candidate id'));
      let name: string;
      try { name = decodeURIComponent(parts[3]); } catch { throw new HttpError(400, 'file name: malformed escape'); }
      if (!serveRegistered(files, name, req, res)) throw new HttpError(404, `candidate ${parts[1]} has no exported file named '${name}'`);
      return;
    }
    if (parts[0] === 'compare' && parts.length === 1) return json(res, 200, api.compare(query));
    if (parts[0] === 'fidelity' && parts.length === 1) return json(res, 200, api.fidelity(query));
    throw new HttpError(404, `no such endpoint: ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return json(res, 400, { error: 'malformed request URL' });
    }
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: `${req.method} is not allowed: the explorer is read-only` });
    }
    if (!isApi) {
      if (!appIsBuilt(distDir)) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('The explorer app is not built: run `npm run build:explorer`.\n');
      }
      return serveStatic(distDir, url.pathname, req, res);
    }
    try {
      routeApi(req, res, url);
    } catch (err) {
      if (err instanceof HttpError) return json(res, err.status, { error: err.message });
      console.error(err);
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7070, options.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  // Warm the caches one step at a time between requests, so that the first look at a large run
  // does not pay for reading it (~100-200 ms per 100k candidates): first every run's summary (the
  // runs list, the first page anyone sees), then each run's candidates.
  const runIds = store.runStamps().map((r) => r.id);
  const warm: (() => void)[] = [...runIds.map((id) => () => api.summary(id)), ...runIds.flatMap((id) => api.warmSteps(id))];
  const warmNext = () => {
    const step = warm.shift();
    if (step === undefined || !server.listening) return;
    try { step(); } catch { /* a run deleted meanwhile: nothing to warm */ }
    setImmediate(warmNext);
  };
  setImmediate(warmNext);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        store.close();
        resolve();
      });
    }),
  };
}
