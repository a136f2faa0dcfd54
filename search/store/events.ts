/** A run's log of notable events (a worker crash, a collapse warning, a resume), for `show` and the explorer. */
import type { Connection, Row } from './connection.ts';
import { anyJson, parseNullable } from './json.ts';
import type { EventReader, EventWriter, RunEvent } from './types.ts';

const eventOf = (r: Row): RunEvent => ({ id: r.id, runId: r.run_id, at: r.at, level: r.level, kind: r.kind, message: r.message,
  data: parseNullable(anyJson, r.data_json, `events.data_json of event ${r.id}`) });

export const eventReader = (c: Connection): EventReader => ({
  listEvents(runId, q = {}) {
    return (c.stmt('SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?').all(runId, q.afterId ?? 0, q.limit ?? -1) as Row[]).map(eventOf);
  },
  listEventsOfKind(kind, runId) {
    const rows = runId === undefined ? c.stmt('SELECT * FROM events WHERE kind = ? ORDER BY id').all(kind) : c.stmt('SELECT * FROM events WHERE run_id = ? AND kind = ? ORDER BY id').all(runId, kind);
    return (rows as Row[]).map(eventOf);
  },
});

export const eventWriter = (c: Connection): EventWriter => ({
  addEvent(runId, e) {
    return Number(c.stmt('INSERT INTO events (run_id, at, level, kind, message, data_json) VALUES (?, ?, ?, ?, ?, ?)').run(
      runId, c.now(), e.level, e.kind, e.message, e.data === undefined ? null : JSON.stringify(e.data)).lastInsertRowid);
  },
});
