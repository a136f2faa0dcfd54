/**
 * Server-sent events for one run: polls the read-only store every `pollMs` and pushes
 * what changed since the client's cursor — new evaluated candidates, new search epochs, the
 * run's summary when its status or counts moved, and the count of its fidelity checks (a check
 * ends after its search has finished, so the summary does not move then). A poll that finds the database unchanged
 * (same data_version) costs one pragma.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FinishCursor, StoreReader } from '../../search/store/types.ts';
import type { CandidatesEvent, ChecksEvent, EpochsEvent, RunEvent } from './api-types.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { epochRow, HttpError, summaryOf, type Api } from './routes.ts';

export function streamRunEvents(
  runId: number, cursorText: string | undefined, store: StoreReader, api: Api,
  req: IncomingMessage, res: ServerResponse, pollMs: number,
): void {
  api.summary(runId); // 404 before the stream starts
  let cursor: FinishCursor;
  if (cursorText === undefined) cursor = store.candidateColumns(runId).cursor;
  else {
    const c = decodeCursor(cursorText);
    if (!c) throw new HttpError(400, 'query: cursor: must be the cursor of a /candidates answer');
    cursor = c;
  }
  let lastEpochId = store.maxEpochId(runId);
  let lastRunStamp = store.runStamps().find((r) => r.id === runId)?.stamp;
  let lastVersion = -1;
  const checkCount = () => store.listEventsOfKind('fidelity-check', runId).length;
  let lastChecks = checkCount();

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  let idle = 0;
  const poll = () => {
    try {
      const version = store.dataVersion();
      if (version === lastVersion) {
        // A comment now and then keeps proxies from closing an idle stream.
        if (++idle * pollMs >= 15000) { res.write(': keep-alive\n\n'); idle = 0; }
        return;
      }
      lastVersion = version;
      const next = store.candidateColumns(runId, cursor);
      if (next.columns.id.length > 0) {
        cursor = next.cursor;
        send('candidates', { cursor: encodeCursor(cursor), columns: next.columns } satisfies CandidatesEvent);
      }
      const epochIds = store.searchEpochIdsAfter(runId, lastEpochId);
      if (epochIds.length > 0) {
        const fresh = new Set(epochIds);
        send('epochs', { epochs: store.listEpochs(runId, null).filter((e) => fresh.has(e.id)).map(epochRow) } satisfies EpochsEvent);
      }
      lastEpochId = Math.max(lastEpochId, store.maxEpochId(runId));
      const stamp = store.runStamps().find((r) => r.id === runId)?.stamp;
      if (stamp !== lastRunStamp) {
        lastRunStamp = stamp;
        send('run', { run: summaryOf(api.summary(runId)) } satisfies RunEvent);
      }
      const checks = checkCount();
      if (checks !== lastChecks) {
        lastChecks = checks;
        send('checks', { checks } satisfies ChecksEvent);
      }
    } catch (err) {
      send('failure', { error: (err as Error).message });
    }
  };
  const timer = setInterval(poll, pollMs);
  poll();
  const stop = () => clearInterval(timer);
  req.on('close', stop);
  res.on('close', stop);
}
