/** The candidates table: one architecture of a run, its evaluation's status and its metrics. */
import { z } from 'zod';
import { changed, type Connection, type Row } from './connection.ts';
import { anyJson, jsonRecord, parseJson, parseNullable, toJsonOrNull } from './json.ts';
import { touchRun } from './runs.ts';
import { finiteValues, isMetricName, type MetricValues } from '../contracts/metrics.ts';
import type { Candidate, CandidateReader, CandidateSort, CandidateWriter } from './types.ts';

const parentIdsSchema = z.array(z.number().int());
/** Names outside the registry are kept (a newer program may have written them) but not typed. */
export const metricValuesSchema = z.record(z.string(), z.number()) as unknown as z.ZodType<MetricValues>;

const sortColumns: Record<string, string> = { id: 'id', score: 'score', finished: 'finished_at' };
/** The SQL expression a sort key orders by; metric names come from the registry, never from input text. */
function sortExpression(sort: CandidateSort): string {
  if (sortColumns[sort]) return sortColumns[sort];
  if (isMetricName(sort)) return `json_extract(metrics_json, '$.${sort}')`;
  throw new Error(`store: unknown candidate sort '${sort}'`);
}

const toCandidate = (r: Row): Candidate => ({
  id: r.id,
  runId: r.run_id,
  genotype: parseJson(anyJson, r.genotype_json, `candidates.genotype_json of candidate ${r.id}`),
  key: r.key,
  parentIds: parseJson(parentIdsSchema, r.parent_ids_json, `candidates.parent_ids_json of candidate ${r.id}`),
  generation: r.generation,
  status: r.status,
  attempts: r.attempts,
  worker: r.worker,
  error: r.error,
  metrics: parseJson(metricValuesSchema, r.metrics_json, `candidates.metrics_json of candidate ${r.id}`),
  score: r.score,
  extra: parseNullable(jsonRecord, r.extra_json, `candidates.extra_json of candidate ${r.id}`),
  createdAt: r.created_at,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
  finishedAt: r.finished_at,
});

/** The single-row reads; the column reads for the explorer are in candidate-columns.ts. */
export function candidateReader(c: Connection): Pick<CandidateReader, 'getCandidate' | 'getCandidateByKey' | 'listCandidates' | 'candidateKeys'> {
  return {
    getCandidate(id) {
      const r = c.stmt('SELECT * FROM candidates WHERE id = ?').get(id) as Row | undefined;
      return r && toCandidate(r);
    },
    getCandidateByKey(runId, key) {
      const r = c.stmt('SELECT * FROM candidates WHERE run_id = ? AND key = ?').get(runId, key) as Row | undefined;
      return r && toCandidate(r);
    },
    listCandidates(runId, q = {}) {
      const statuses = q.status === undefined ? [] : Array.isArray(q.status) ? q.status : [q.status];
      const column = sortExpression(q.sort ?? 'id');
      const order = q.order === 'desc' ? 'DESC' : 'ASC';
      // NULLs (not yet measured) go last whichever the direction.
      const sql = `SELECT * FROM candidates WHERE run_id = ? AND id > ?
        ${statuses.length ? `AND status IN (${statuses.map(() => '?').join(', ')})` : ''}
        ORDER BY ${column} IS NULL, ${column} ${order}, id ASC LIMIT ? OFFSET ?`;
      return (c.stmt(sql).all(runId, q.afterId ?? 0, ...statuses, q.limit ?? -1, q.offset ?? 0) as Row[]).map(toCandidate);
    },
    candidateKeys: (runId) => c.stmt('SELECT key FROM candidates WHERE run_id = ?').pluck().all(runId) as string[],
  };
}

export function candidateWriter(c: Connection): CandidateWriter {
  const touchRunOf = (candidateId: number) =>
    touchRun(c, c.stmt('SELECT run_id FROM candidates WHERE id = ?').pluck().get(candidateId) as number);
  return {
    insertCandidate(runId, cand) {
      return c.tx(() => {
        const info = c.stmt(`INSERT INTO candidates (run_id, genotype_json, key, parent_ids_json, generation, created_at)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO NOTHING`).run(
          runId, JSON.stringify(cand.genotype), cand.key, JSON.stringify(cand.parentIds ?? []), cand.generation ?? 0, c.now());
        if (info.changes > 0) {
          touchRun(c, runId);
          return { id: Number(info.lastInsertRowid), inserted: true };
        }
        const id = c.stmt('SELECT id FROM candidates WHERE run_id = ? AND key = ?').pluck().get(runId, cand.key) as number;
        return { id, inserted: false };
      });
    },
    markRunning(candidateId, worker) {
      const t = c.now();
      return c.stmt(`UPDATE candidates SET status = 'running', worker = ?, attempts = attempts + 1, error = NULL,
          started_at = ?, heartbeat_at = ? WHERE id = ? AND status IN ('pending', 'stale', 'failed')`).run(worker, t, t, candidateId).changes > 0;
    },
    heartbeat(candidateId) {
      c.stmt("UPDATE candidates SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(c.now(), candidateId);
    },
    completeCandidate(candidateId, result) {
      const metrics = finiteValues(result.metrics);
      c.tx(() => {
        changed(c.stmt(`UPDATE candidates SET status = 'done', error = NULL, metrics_json = ?, score = ?, extra_json = ?,
            finished_at = ? WHERE id = ?`).run(
          JSON.stringify(metrics), result.score ?? null, toJsonOrNull(result.extra), c.now(), candidateId),
        `no candidate with id ${candidateId}`);
        touchRunOf(candidateId);
      });
    },
    mergeCandidateExtra(candidateId, patch) {
      c.tx(() => {
        const row = c.stmt('SELECT extra_json FROM candidates WHERE id = ?').get(candidateId) as Row | undefined;
        if (!row) throw new Error(`store: no candidate with id ${candidateId}`);
        const extra = { ...parseNullable(jsonRecord, row.extra_json, `candidates.extra_json of candidate ${candidateId}`), ...patch };
        c.stmt('UPDATE candidates SET extra_json = ? WHERE id = ?').run(JSON.stringify(extra), candidateId);
      });
    },
    failCandidate(candidateId, error) {
      c.tx(() => {
        changed(c.stmt("UPDATE candidates SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, c.now(), candidateId),
          `no candidate with id ${candidateId}`);
        touchRunOf(candidateId);
      });
    },
    requeueCandidate(candidateId, status, reason = null) {
      return c.stmt(`UPDATE candidates SET status = ?, error = ?, attempts = attempts - CASE WHEN ? = 'pending' THEN 1 ELSE 0 END
          WHERE id = ? AND status = 'running'`).run(status, reason, status, candidateId).changes > 0;
    },
    markStale(heartbeatOlderThan, runId) {
      return c.stmt(`UPDATE candidates SET status = 'stale' WHERE status = 'running' AND heartbeat_at < ?
          AND (? IS NULL OR run_id = ?)`).run(heartbeatOlderThan, runId ?? null, runId ?? null).changes;
    },
  };
}
