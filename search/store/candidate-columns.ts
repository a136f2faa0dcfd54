/**
 * Reads over every evaluated candidate of a run, shaped for the explorer: metric columns of
 * 100k candidates without parsing their genotypes (served from the candidates_columns covering
 * index), cheap change stamps for caching and polling, and lineage links.
 */
import { metricsOfTask, type MetricName, type MetricValues } from '../contracts/metrics.ts';
import type { Connection, Row } from './connection.ts';
import { parseJson } from './json.ts';
import { metricValuesSchema } from './candidates.ts';
import type { CandidateColumns, CandidateReader, FinishCursor } from './types.ts';

type Raw = [id: number, generation: number, parents: string, score: number | null, metrics: string, finishedAt: number, rung: number | null];

export function candidateColumnReader(c: Connection): Pick<CandidateReader, 'candidateColumns' | 'candidateStamp' | 'parentLinksAfter' | 'candidateRef'> {
  const columnsStmt = () => c.stmt(`SELECT id, generation, parent_ids_json, score, metrics_json, finished_at,
      (SELECT MAX(rung) FROM rungs WHERE rungs.run_id = candidates.run_id AND rungs.candidate_id = candidates.id AND rungs.status = 'done')
    FROM candidates WHERE run_id = ? AND status = 'done' AND finished_at >= ? ORDER BY finished_at, id`).raw(true);
  return {
    candidateColumns(runId, after) {
      const run = c.stmt('SELECT COALESCE(started_at, created_at) AS start, task FROM runs WHERE id = ?').get(runId) as Row | undefined;
      const start = run?.start ?? 0;
      const names = metricsOfTask(run?.task ?? '').map((m) => m.name as MetricName);
      const skip = new Set(after?.ids ?? []);
      const rows = (columnsStmt().all(runId, after?.at ?? 0) as Raw[]).filter((r) => !(r[5] === after?.at && skip.has(r[0])));
      const n = rows.length;
      const cols: CandidateColumns = {
        id: new Array(n), generation: new Array(n), parent: new Array(n), score: new Array(n), finishedAt: new Array(n), rung: new Array(n),
        metrics: Object.fromEntries(names.map((m) => [m, new Array(n)])),
      };
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        cols.id[i] = r[0];
        cols.generation[i] = r[1];
        cols.parent[i] = r[2].length > 2 ? parseInt(r[2].slice(1), 10) : null;
        cols.score[i] = r[3];
        const values = JSON.parse(r[4]) as MetricValues;
        for (const m of names) cols.metrics[m]![i] = values[m] ?? null;
        cols.finishedAt[i] = r[5] - start;
        cols.rung[i] = r[6];
      }
      let cursor: FinishCursor = after ?? { at: 0, ids: [] };
      if (n > 0) {
        const at = rows[n - 1][5];
        const ids = rows.filter((r) => r[5] === at).map((r) => r[0]);
        cursor = { at, ids: at === after?.at ? [...after.ids, ...ids] : ids };
      }
      return { columns: cols, cursor };
    },

    candidateStamp(runId) {
      // The count reads only the (run_id, status) index; the run's updated_at moves with every result.
      const r = c.stmt(`SELECT (SELECT COUNT(*) FROM candidates WHERE run_id = @run AND status = 'done') AS n,
        (SELECT updated_at FROM runs WHERE id = @run) AS t`).get({ run: runId }) as { n: number; t: number };
      return { count: r.n, stamp: `${r.n}:${r.t}` };
    },

    parentLinksAfter(runId, afterId) {
      const top = c.stmt('SELECT COALESCE(MAX(id), 0) FROM candidates WHERE run_id = ?').pluck().get(runId) as number;
      if (top <= afterId) return { upTo: afterId, links: [] };
      const rows = c.stmt(`SELECT id, parent_ids_json FROM candidates
        WHERE run_id = ? AND id > ? AND id <= ? AND parent_ids_json != '[]' ORDER BY id`).raw(true).all(runId, afterId, top) as [number, string][];
      return { upTo: top, links: rows.map(([id, json]) => [id, JSON.parse(json) as number[]]) };
    },

    candidateRef(id) {
      const r = c.stmt('SELECT id, generation, metrics_json FROM candidates WHERE id = ?').get(id) as Row | undefined;
      return r && { id: r.id, generation: r.generation, metrics: parseJson(metricValuesSchema, r.metrics_json, `candidates.metrics_json of candidate ${r.id}`) };
    },
  };
}
