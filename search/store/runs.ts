/** The runs table: a run's identity, configuration, status and saved strategy state, and its summary. */
import { z } from 'zod';
import { changed, type Connection, type Row } from './connection.ts';
import { anyJson, jsonRecord, parseJson, parseNullable } from './json.ts';
import { isMetricName, metricDef, runQuality, type MetricName } from '../contracts/metrics.ts';
import type { CandidateStatus, NewRun, Run, RunReader, RunSummary, RunWriter } from './types.ts';

const versionsSchema = z.record(z.string(), z.string());

/**
 * Size of the (max quality, min cost) front, counted inside SQLite from the covering index
 * candidates_columns so that no row reaches JavaScript. In order of quality descending, cost
 * ascending, a point is dominated iff an earlier point that is not equal to it has a cost no
 * greater than its own: the GROUPS frame excludes the equal points (peers), which share a front.
 */
const frontSizeSql = `SELECT COUNT(*) FROM (
    SELECT l, MIN(l) OVER (ORDER BY q DESC, l ASC GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS m
    FROM (SELECT json_extract(metrics_json, @quality) AS q, json_extract(metrics_json, @cost) AS l
      FROM candidates WHERE run_id = @run AND status = 'done')
    WHERE q IS NOT NULL AND l IS NOT NULL)
  WHERE m IS NULL OR l < m`;

/** The second of a run's objectives when it is a cost (a metric to minimise), else latency: the axis its front is counted on. */
function costOf(config: Run['config']): MetricName {
  const second = Array.isArray(config.objectives) && config.objectives.length === 2 ? config.objectives[1] : undefined;
  return typeof second === 'string' && isMetricName(second) && metricDef(second).direction === 'min' ? second : 'latency_ms';
}

const toRun = (r: Row): Run => ({
  id: r.id,
  name: r.name,
  strategy: r.strategy,
  spaceName: r.space_name,
  spaceDefinition: parseJson(anyJson, r.space_json, `runs.space_json of run ${r.id}`),
  spaceHash: r.space_hash,
  task: r.task,
  dataset: r.dataset,
  config: parseJson(jsonRecord, r.config_json, `runs.config_json of run ${r.id}`),
  seed: r.seed,
  backend: r.backend,
  versions: parseJson(versionsSchema, r.versions_json, `runs.versions_json of run ${r.id}`),
  commandLine: r.command_line,
  status: r.status,
  error: r.error,
  state: parseNullable(anyJson, r.state_json, `runs.state_json of run ${r.id}`),
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  updatedAt: r.updated_at,
});

/** Marks a run as changed (its stamp moves): every write to the run or its candidates calls it. */
export const touchRun = (c: Connection, runId: number): void => {
  c.stmt('UPDATE runs SET updated_at = ? WHERE id = ?').run(c.now(), runId);
};

export function runReader(c: Connection): RunReader {
  const getRun = (id: number): Run | undefined => {
    const r = c.stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return r && toRun(r);
  };
  const summarize = (run: Run): RunSummary => {
    const counts = { pending: 0, running: 0, done: 0, failed: 0, stale: 0, total: 0 };
    for (const r of c.stmt('SELECT status, COUNT(*) AS n FROM candidates WHERE run_id = ? GROUP BY status').all(run.id) as Row[]) {
      counts[r.status as CandidateStatus] = r.n;
      counts.total += r.n;
    }
    const quality = runQuality(run.task, run.config.evaluator);
    const path = `$.${quality}`;
    const best = c.stmt("SELECT MAX(json_extract(metrics_json, ?)) FROM candidates WHERE run_id = ? AND status = 'done'").pluck().get(path, run.id) as number | null;
    const cost = costOf(run.config);
    const front = c.stmt(frontSizeSql).pluck().get({ quality: path, cost: `$.${cost}`, run: run.id }) as number;
    return { ...run, counts, quality, bestQuality: best ?? null, cost, frontSize: front };
  };
  return {
    getRun,
    listRuns: () => (c.stmt('SELECT * FROM runs ORDER BY id DESC').all() as Row[]).map((r) => summarize(toRun(r))),
    getRunSummary(id) {
      const run = getRun(id);
      return run && summarize(run);
    },
    runStamps: () => (c.stmt('SELECT id, updated_at, status FROM runs ORDER BY id DESC').all() as Row[])
      .map((r) => ({ id: r.id, stamp: `${r.updated_at}:${r.status}` })),
  };
}

export function runWriter(c: Connection): RunWriter {
  return {
    createRun(run: NewRun): Run {
      const t = c.now();
      const info = c.stmt(`INSERT INTO runs (name, strategy, space_name, space_json, space_hash, task, dataset, config_json,
          seed, backend, versions_json, command_line, status, created_at, started_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`).run(
        run.name, run.strategy, run.spaceName, JSON.stringify(run.spaceDefinition), run.spaceHash, run.task, run.dataset,
        JSON.stringify(run.config), run.seed, run.backend, JSON.stringify(run.versions), run.commandLine, t, t, t);
      const id = Number(info.lastInsertRowid);
      return toRun(c.stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row);
    },
    updateRunStatus(runId, status, error = null) {
      const t = c.now();
      const ends = status !== 'running';
      changed(c.stmt(`UPDATE runs SET status = ?, error = ?, updated_at = ?,
          finished_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?`).run(status, error, t, ends ? 1 : 0, t, runId),
      `no run with id ${runId}`);
    },
    saveRunState(runId, state) {
      changed(c.stmt('UPDATE runs SET state_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(state), c.now(), runId),
        `no run with id ${runId}`);
    },
  };
}
