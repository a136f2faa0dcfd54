/**
 * Training epochs (a candidate's, or a supernet search's own with the genotype derived at each)
 * and the architecture-weight snapshots of a DARTS search.
 */
import type { Connection, Row } from './connection.ts';
import { anyJson, parseJson, parseNullable } from './json.ts';
import { archWeightsSchema, type EpochReader, type EpochWriter } from './types.ts';

export function epochReader(c: Connection): EpochReader {
  return {
    listEpochs(runId, candidateId) {
      const rows = (candidateId === undefined
        ? c.stmt('SELECT * FROM epochs WHERE run_id = ? ORDER BY candidate_id, epoch, id').all(runId)
        : c.stmt('SELECT * FROM epochs WHERE run_id = ? AND candidate_id IS ? ORDER BY epoch, id').all(runId, candidateId)) as Row[];
      return rows.map((r) => ({
        id: r.id, runId: r.run_id, candidateId: r.candidate_id, epoch: r.epoch, trainLoss: r.train_loss,
        trainAccuracy: r.train_accuracy, valLoss: r.val_loss, valAccuracy: r.val_accuracy, seconds: r.seconds,
        genotype: parseNullable(anyJson, r.genotype_json, `epochs.genotype_json of epoch row ${r.id}`), createdAt: r.created_at,
      }));
    },
    listArchSnapshots(runId, cellType) {
      return (c.stmt('SELECT * FROM arch_snapshots WHERE run_id = ? AND (? IS NULL OR cell_type = ?) ORDER BY epoch, step, id')
        .all(runId, cellType ?? null, cellType ?? null) as Row[]).map((r) => ({
        id: r.id, runId: r.run_id, epoch: r.epoch, step: r.step, cellType: r.cell_type,
        weights: parseJson(archWeightsSchema, r.weights_json, `arch_snapshots.weights_json of snapshot ${r.id}`), createdAt: r.created_at,
      }));
    },
    searchEpochCount: (runId) =>
      c.stmt('SELECT COUNT(DISTINCT epoch) FROM epochs WHERE run_id = ? AND candidate_id IS NULL').pluck().get(runId) as number,
    searchEpochIdsAfter: (runId, afterId) =>
      c.stmt('SELECT id FROM epochs WHERE run_id = ? AND candidate_id IS NULL AND id > ? ORDER BY id').pluck().all(runId, afterId) as number[],
    maxEpochId: (runId) => c.stmt('SELECT COALESCE(MAX(id), 0) FROM epochs WHERE run_id = ?').pluck().get(runId) as number,
  };
}

export function epochWriter(c: Connection): EpochWriter {
  return {
    addEpoch(runId, e) {
      return Number(c.stmt(`INSERT INTO epochs (run_id, candidate_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy,
          seconds, genotype_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        runId, e.candidateId ?? null, e.epoch, e.trainLoss ?? null, e.trainAccuracy ?? null, e.valLoss ?? null,
        e.valAccuracy ?? null, e.seconds ?? null, e.genotype === undefined ? null : JSON.stringify(e.genotype), c.now()).lastInsertRowid);
    },
    addArchSnapshot(runId, s) {
      const weights = archWeightsSchema.parse(s.weights);
      return Number(c.stmt(`INSERT INTO arch_snapshots (run_id, epoch, step, cell_type, weights_json, created_at)
          VALUES (?, ?, ?, ?, ?, ?)`).run(runId, s.epoch, s.step, s.cellType, JSON.stringify(weights), c.now()).lastInsertRowid);
    },
  };
}
