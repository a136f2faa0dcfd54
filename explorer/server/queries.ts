/**
 * Read-only queries the store's API does not offer, tuned for the explorer: metric columns of
 * 100k candidates without parsing their genotypes, cheap change stamps for caching and polling,
 * and children by parent. Prepared statements only; the connection is opened read-only.
 */
import Database from 'better-sqlite3';
import type { CandidateColumns, CandidateRef } from './api-types.ts';

/** Position in a run's stream of finished candidates: everything at or before it has been sent. */
export interface Cursor { at: number; ids: number[] }

export function encodeCursor(c: Cursor): string {
  return `${c.at}:${c.ids.join('.')}`;
}

/** Parses a cursor from a query string; null if it is malformed. */
export function decodeCursor(text: string): Cursor | null {
  const m = /^(\d{1,15}):((?:\d{1,15}(?:\.\d{1,15})*)?)$/.exec(text);
  if (!m) return null;
  return { at: Number(m[1]), ids: m[2] ? m[2].split('.').map(Number) : [] };
}

type Raw = [number, number, string, number | null, number | null, number | null, number | null, number | null, number | null, number];

export function openQueries(path: string) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');

  const columnsSql = `SELECT id, generation, parent_ids_json, accuracy, latency_ms, params, flops, score, train_seconds, finished_at
    FROM candidates WHERE run_id = ? AND status = 'done' AND finished_at >= ? ORDER BY finished_at, id`;
  const columnsStmt = db.prepare(columnsSql).raw(true);
  // The count reads only the (run_id, status) index; the run's updated_at moves with every result.
  const stampStmt = db.prepare(`SELECT (SELECT COUNT(*) FROM candidates WHERE run_id = @run AND status = 'done') AS n,
    (SELECT updated_at FROM runs WHERE id = @run) AS t`);
  const runStampsStmt = db.prepare('SELECT id, updated_at, status FROM runs ORDER BY id DESC');
  const runStartStmt = db.prepare('SELECT COALESCE(started_at, created_at) AS t FROM runs WHERE id = ?').pluck();
  const parentsAfterStmt = db.prepare(`SELECT id, parent_ids_json FROM candidates
    WHERE run_id = ? AND id > ? AND parent_ids_json != '[]' ORDER BY id`).raw(true);
  const maxIdStmt = db.prepare('SELECT COALESCE(MAX(id), 0) FROM candidates WHERE run_id = ?').pluck();
  const refStmt = db.prepare('SELECT id, generation, accuracy, latency_ms FROM candidates WHERE id = ?');
  const epochCountStmt = db.prepare('SELECT COUNT(DISTINCT epoch) FROM epochs WHERE run_id = ? AND candidate_id IS NULL').pluck();
  const epochsAfterStmt = db.prepare(`SELECT id FROM epochs WHERE run_id = ? AND candidate_id IS NULL AND id > ? ORDER BY id`).pluck();
  const maxEpochIdStmt = db.prepare('SELECT COALESCE(MAX(id), 0) FROM epochs WHERE run_id = ?').pluck();

  const toRef = (r: Record<string, number | null>): CandidateRef => ({
    id: r.id as number, generation: r.generation as number, accuracy: r.accuracy, latency: r.latency_ms,
  });

  return {
    /** Changes whenever another connection commits. */
    dataVersion: (): number => db.pragma('data_version', { simple: true }) as number,

    /** Evaluated candidates finished after the cursor (all without one), oldest first, and the cursor after them. */
    candidateColumns(runId: number, after?: Cursor): { columns: CandidateColumns; cursor: Cursor } {
      const start = (runStartStmt.get(runId) as number | undefined) ?? 0;
      const skip = new Set(after?.ids ?? []);
      const rows = (columnsStmt.all(runId, after?.at ?? 0) as Raw[]).filter((r) => !(r[9] === after?.at && skip.has(r[0])));
      const n = rows.length;
      const cols: CandidateColumns = {
        id: new Array(n), generation: new Array(n), parent: new Array(n), accuracy: new Array(n), latency: new Array(n),
        params: new Array(n), flops: new Array(n), score: new Array(n), trainSeconds: new Array(n), finishedAt: new Array(n),
      };
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        cols.id[i] = r[0];
        cols.generation[i] = r[1];
        // The first parent is enough for the table; the detail view reads them all.
        cols.parent[i] = r[2].length > 2 ? parseInt(r[2].slice(1), 10) : null;
        cols.accuracy[i] = r[3];
        cols.latency[i] = r[4];
        cols.params[i] = r[5];
        cols.flops[i] = r[6];
        cols.score[i] = r[7];
        cols.trainSeconds[i] = r[8];
        cols.finishedAt[i] = r[9] - start;
      }
      let cursor: Cursor = after ?? { at: 0, ids: [] };
      if (n > 0) {
        const at = rows[n - 1][9];
        const ids = rows.filter((r) => r[9] === at).map((r) => r[0]);
        cursor = { at, ids: at === after?.at ? [...after.ids, ...ids] : ids };
      }
      return { columns: cols, cursor };
    },

    /** Number of evaluated candidates and the run's last update: a cache key for everything derived from them. */
    candidateStamp(runId: number): { count: number; stamp: string } {
      const r = stampStmt.get({ run: runId }) as { n: number; t: number };
      return { count: r.n, stamp: `${r.n}:${r.t}` };
    },

    runStamps(): { id: number; stamp: string }[] {
      return (runStampsStmt.all() as { id: number; updated_at: number; status: string }[])
        .map((r) => ({ id: r.id, stamp: `${r.updated_at}:${r.status}` }));
    },

    /**
     * Adds to `index` (parent id → child ids) the candidates inserted after `afterId`; returns
     * the new watermark. Parents never change after insertion, so the index only grows.
     */
    extendChildren(runId: number, index: Map<number, number[]>, afterId: number): number {
      const top = maxIdStmt.get(runId) as number;
      if (top <= afterId) return afterId;
      for (const [id, json] of parentsAfterStmt.all(runId, afterId) as [number, string][]) {
        for (const p of JSON.parse(json) as number[]) {
          const list = index.get(p);
          if (list) list.push(id); else index.set(p, [id]);
        }
      }
      return top;
    },

    candidateRef(id: number): CandidateRef | undefined {
      const r = refStmt.get(id) as Record<string, number | null> | undefined;
      return r && toRef(r);
    },

    searchEpochCount: (runId: number): number => epochCountStmt.get(runId) as number,
    /** Ids of the run's own (search) epochs added after the given epoch id. */
    searchEpochIdsAfter: (runId: number, afterId: number): number[] => epochsAfterStmt.all(runId, afterId) as number[],
    maxEpochId: (runId: number): number => maxEpochIdStmt.get(runId) as number,

    close: (): void => { db.close(); },
  };
}

export type Queries = ReturnType<typeof openQueries>;
