/**
 * The rungs table: each evaluation of a candidate at one rung of a multi-fidelity search, with
 * its budget, status, metrics and epochs. A candidate's rows, by rung, are its learning curve
 * over budgets.
 */
import { z } from 'zod';
import { changed, type Connection, type Row } from './connection.ts';
import { jsonRecord, parseJson, parseNullable, toJsonOrNull } from './json.ts';
import { metricValuesSchema } from './candidates.ts';
import { touchRun } from './runs.ts';
import type { EpochRecord } from '../contracts/epoch.ts';
import type { Rung, RungReader, RungWriter } from './types.ts';

const epochsSchema = z.array(z.object({
  epoch: z.number(), trainLoss: z.number(), trainAccuracy: z.number(), valLoss: z.number(), valAccuracy: z.number(), seconds: z.number(),
})) as unknown as z.ZodType<EpochRecord[]>;

const toRung = (r: Row): Rung => ({
  id: r.id, runId: r.run_id, candidateId: r.candidate_id, bracket: r.bracket, rung: r.rung,
  budget: parseJson(jsonRecord, r.budget_json, `rungs.budget_json of rung ${r.id}`),
  status: r.status, attempts: r.attempts, worker: r.worker, error: r.error,
  metrics: parseNullable(metricValuesSchema, r.metrics_json, `rungs.metrics_json of rung ${r.id}`),
  epochs: parseNullable(epochsSchema, r.epochs_json, `rungs.epochs_json of rung ${r.id}`),
  createdAt: r.created_at, startedAt: r.started_at, heartbeatAt: r.heartbeat_at, finishedAt: r.finished_at,
});

export const rungReader = (c: Connection): RungReader => ({
  listRungs(runId, candidateId) {
    return (c.stmt('SELECT * FROM rungs WHERE run_id = ? AND (? IS NULL OR candidate_id = ?) ORDER BY candidate_id, rung')
      .all(runId, candidateId ?? null, candidateId ?? null) as Row[]).map(toRung);
  },
});

export function rungWriter(c: Connection): RungWriter {
  const runOf = (id: number) => c.stmt('SELECT run_id FROM rungs WHERE id = ?').pluck().get(id) as number;
  return {
    insertRung(runId, r) {
      const t = c.now();
      const finished = r.status === 'done' || r.status === 'failed' ? t : null;
      const id = Number(c.stmt(`INSERT INTO rungs (run_id, candidate_id, bracket, rung, budget_json, status, attempts, worker, error,
          metrics_json, epochs_json, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        runId, r.candidateId, r.bracket, r.rung, JSON.stringify(r.budget), r.status, r.attempts ?? 0, r.worker ?? null, r.error ?? null,
        toJsonOrNull(r.metrics), toJsonOrNull(r.epochs), t, finished).lastInsertRowid);
      touchRun(c, runId);
      return id;
    },
    markRungRunning(id, worker) {
      const t = c.now();
      return c.stmt(`UPDATE rungs SET status = 'running', worker = ?, attempts = attempts + 1, error = NULL, started_at = ?, heartbeat_at = ?
          WHERE id = ? AND status IN ('pending', 'stale')`).run(worker, t, t, id).changes > 0;
    },
    heartbeatRung(id) {
      c.stmt("UPDATE rungs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(c.now(), id);
    },
    completeRung(id, r) {
      changed(c.stmt(`UPDATE rungs SET status = 'done', error = NULL, metrics_json = ?, epochs_json = ?, finished_at = ? WHERE id = ?`)
        .run(JSON.stringify(r.metrics), JSON.stringify(r.epochs), c.now(), id), `no rung with id ${id}`);
      touchRun(c, runOf(id));
    },
    failRung(id, error) {
      changed(c.stmt("UPDATE rungs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, c.now(), id), `no rung with id ${id}`);
      touchRun(c, runOf(id));
    },
    requeueRung(id, status, reason = null) {
      return c.stmt(`UPDATE rungs SET status = ?, error = ?, attempts = attempts - CASE WHEN ? = 'pending' THEN 1 ELSE 0 END
          WHERE id = ? AND status = 'running'`).run(status, reason, status, id).changes > 0;
    },
  };
}
