/** A search's progress over time: candidates evaluated, hypervolume of the front and its reference point, best accuracy. */
import { z } from 'zod';
import type { Connection, Row } from './connection.ts';
import { parseNullable, toJsonOrNull } from './json.ts';
import type { ProgressReader, ProgressWriter } from './types.ts';

const referenceSchema = z.union([z.record(z.string(), z.number()), z.array(z.number())]);

export const progressReader = (c: Connection): ProgressReader => ({
  listProgress(runId) {
    return (c.stmt('SELECT * FROM progress WHERE run_id = ? ORDER BY evaluated, id').all(runId) as Row[]).map((r) => ({
      id: r.id, runId: r.run_id, at: r.at, evaluated: r.evaluated, elapsedSeconds: r.elapsed_seconds,
      hypervolume: r.hypervolume, bestAccuracy: r.best_accuracy,
      reference: parseNullable(referenceSchema, r.reference_json, `progress.reference_json of row ${r.id}`),
    }));
  },
});

export const progressWriter = (c: Connection): ProgressWriter => ({
  addProgress(runId, p) {
    return Number(c.stmt(`INSERT INTO progress (run_id, at, evaluated, elapsed_seconds, hypervolume, reference_json, best_accuracy)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(runId, c.now(), p.evaluated, p.elapsedSeconds, p.hypervolume ?? null,
      toJsonOrNull(p.reference), p.bestAccuracy ?? null).lastInsertRowid);
  },
});
