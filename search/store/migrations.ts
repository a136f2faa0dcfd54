/**
 * Schema of runs.db, as an ordered list of migrations. The database's version is
 * `PRAGMA user_version` = the number of migrations applied; opening a store applies the
 * missing ones in order, all in one transaction, so a database is never half-migrated.
 *
 * To change the schema, APPEND a migration to the list (never edit or reorder one that has
 * shipped: databases in the wild have already run it). A migration is plain SQL; prefer
 * `ALTER TABLE ... ADD COLUMN` and new tables/indexes; a column that must change type needs a
 * new table, an `INSERT ... SELECT`, a `DROP` and a `RENAME`. Then extend the row types and
 * statements in the store's modules and add a test that opens a database at the previous version.
 *
 * Conventions: times are integer milliseconds since the Unix epoch (`*_at`); JSON columns
 * end in `_json` and are checked with zod when the store reads them back.
 */
import type Database from 'better-sqlite3';

export const migrations: readonly string[] = [
  // 1: runs, candidates, epochs, architecture-weight snapshots, events, progress.
  `
  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    strategy      TEXT NOT NULL,
    space_name    TEXT NOT NULL,
    space_json    TEXT NOT NULL,
    space_hash    TEXT NOT NULL,
    task          TEXT NOT NULL,
    dataset       TEXT NOT NULL,
    config_json   TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    backend       TEXT NOT NULL,
    versions_json TEXT NOT NULL,
    command_line  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'finished', 'failed')),
    error         TEXT,
    state_json    TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    updated_at    INTEGER NOT NULL
  );

  CREATE TABLE candidates (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    genotype_json  TEXT NOT NULL,
    key            TEXT NOT NULL,
    parent_ids_json TEXT NOT NULL DEFAULT '[]',
    generation     INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'running', 'done', 'failed', 'stale')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    worker         TEXT,
    error          TEXT,
    accuracy       REAL,
    latency_ms     REAL,
    latency_iqr_ms REAL,
    params         INTEGER,
    flops          INTEGER,
    score          REAL,
    train_seconds  REAL,
    extra_json     TEXT,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    heartbeat_at   INTEGER,
    finished_at    INTEGER,
    UNIQUE (run_id, key)
  );
  CREATE INDEX candidates_by_run_status ON candidates (run_id, status);
  CREATE INDEX candidates_by_run_accuracy ON candidates (run_id, accuracy DESC);
  CREATE INDEX candidates_by_status_heartbeat ON candidates (status, heartbeat_at);

  CREATE TABLE epochs (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    candidate_id  INTEGER REFERENCES candidates(id) ON DELETE CASCADE,
    epoch         INTEGER NOT NULL,
    train_loss    REAL,
    train_accuracy REAL,
    val_loss      REAL,
    val_accuracy  REAL,
    seconds       REAL,
    genotype_json TEXT,
    created_at    INTEGER NOT NULL
  );
  CREATE INDEX epochs_by_run ON epochs (run_id, candidate_id, epoch);

  CREATE TABLE arch_snapshots (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch        INTEGER NOT NULL,
    step         INTEGER NOT NULL,
    cell_type    TEXT NOT NULL CHECK (cell_type IN ('normal', 'reduce')),
    weights_json TEXT NOT NULL,
    created_at   INTEGER NOT NULL
  );
  CREATE INDEX arch_snapshots_by_run ON arch_snapshots (run_id, cell_type, epoch, step);

  CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    kind      TEXT NOT NULL,
    message   TEXT NOT NULL,
    data_json TEXT
  );
  CREATE INDEX events_by_run ON events (run_id, id);

  CREATE TABLE progress (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    evaluated       INTEGER NOT NULL,
    elapsed_seconds REAL NOT NULL,
    hypervolume     REAL,
    reference_json  TEXT,
    best_accuracy   REAL
  );
  CREATE INDEX progress_by_run ON progress (run_id, evaluated);
  `,
  // 2: covering indexes for reads over every candidate of a large run, so they never touch the
  // table rows (a genotype makes a row ~1.5 kB; the indexed columns are ~100 bytes): the run
  // summary's best accuracy and front size walk (accuracy DESC, latency) in order; the explorer's
  // metric columns come in finish order; its children index reads parents by id.
  `
  CREATE INDEX candidates_front ON candidates (run_id, status, accuracy DESC, latency_ms);
  CREATE INDEX candidates_columns ON candidates (run_id, status, finished_at, id, generation, parent_ids_json,
    accuracy, latency_ms, params, flops, score, train_seconds);
  CREATE INDEX candidates_parents ON candidates (run_id, id, parent_ids_json);
  `,
  // 3: metrics as data. A candidate's values live in metrics_json under the names of the metric
  // registry (search/contracts/metrics.ts) instead of one column each, so a new metric needs no
  // migration. Segmentation runs stored mIoU in accuracy and pixel accuracy in extra_json: they
  // become miou and pixel_accuracy. json_patch onto '{}' leaves out the NULLs (unmeasured).
  // score stays a column: it is the strategy's fitness, not a measurement.
  `
  ALTER TABLE candidates ADD COLUMN metrics_json TEXT NOT NULL DEFAULT '{}';
  UPDATE candidates SET metrics_json = json_patch('{}', json_object(
    CASE WHEN (SELECT task FROM runs WHERE runs.id = candidates.run_id) = 'segmentation' THEN 'miou' ELSE 'accuracy' END, accuracy,
    'pixel_accuracy', json_extract(extra_json, '$.pixelAccuracy'),
    'latency_ms', latency_ms, 'latency_iqr_ms', latency_iqr_ms, 'params', params, 'flops', flops, 'train_seconds', train_seconds));
  UPDATE candidates SET extra_json = json_remove(extra_json, '$.pixelAccuracy')
    WHERE extra_json IS NOT NULL AND json_type(extra_json, '$.pixelAccuracy') IS NOT NULL;
  DROP INDEX candidates_front;
  DROP INDEX candidates_columns;
  DROP INDEX candidates_by_run_accuracy;
  ALTER TABLE candidates DROP COLUMN accuracy;
  ALTER TABLE candidates DROP COLUMN latency_ms;
  ALTER TABLE candidates DROP COLUMN latency_iqr_ms;
  ALTER TABLE candidates DROP COLUMN params;
  ALTER TABLE candidates DROP COLUMN flops;
  ALTER TABLE candidates DROP COLUMN train_seconds;
  CREATE INDEX candidates_columns ON candidates (run_id, status, finished_at, id, generation, parent_ids_json, score, metrics_json);
  `,
  // 4: run configurations and saved strategy states name metrics by the registry too, so that a
  // run from before it resumes: latencyMs becomes latency_ms everywhere (objectives, constraints,
  // ranked metric, remembered results), and an ask/tell segmentation run's accuracy, which was
  // its mIoU, becomes miou where it names a metric (a value in objectives or the ranked metric,
  // a key of remembered results; never the key 'accuracy' of the weighted score's weights).
  // A table evaluator's columns become a map from metric name to column.
  `
  UPDATE runs SET config_json = json_set(config_json, '$.evaluator.columns', json_patch('{}', json_object(
      'arch', json_extract(config_json, '$.evaluator.columns.arch'),
      'metrics', json_patch('{}', json_object(
        CASE WHEN task = 'segmentation' THEN 'miou' ELSE 'accuracy' END, json_extract(config_json, '$.evaluator.columns.accuracy'),
        'latency_ms', json_extract(config_json, '$.evaluator.columns.latency'),
        'params', json_extract(config_json, '$.evaluator.columns.params'),
        'flops', json_extract(config_json, '$.evaluator.columns.flops'))))))
    WHERE json_extract(config_json, '$.evaluator.kind') = 'table';
  UPDATE runs SET config_json = replace(config_json, '"latencyMs"', '"latency_ms"'),
    state_json = replace(state_json, '"latencyMs"', '"latency_ms"');
  UPDATE progress SET reference_json = replace(reference_json, '"latencyMs"', '"latency_ms"') WHERE reference_json IS NOT NULL;
  UPDATE runs SET
    config_json = replace(replace(replace(config_json, '"accuracy",', '"miou",'), '"accuracy"]', '"miou"]'), '"accuracy"}', '"miou"}'),
    state_json = replace(state_json, '"accuracy":', '"miou":')
    WHERE task = 'segmentation' AND strategy != 'darts';
  UPDATE runs SET config_json = json_set(config_json, '$.fitness.quality', 'miou')
    WHERE task = 'segmentation' AND strategy != 'darts' AND json_extract(config_json, '$.fitness.kind') IN ('weighted', 'mnas');
  UPDATE progress SET reference_json = replace(reference_json, '"accuracy":', '"miou":')
    WHERE reference_json IS NOT NULL AND run_id IN (SELECT id FROM runs WHERE task = 'segmentation');
  `,
  // 5: rungs of a multi-fidelity (ASHA / Hyperband) search: one row per evaluation of a candidate
  // at one rung, with the budget it trained on, its metrics and its epochs, so that every rung's
  // result is kept (the candidate row holds the highest rung's) and the rung results of a
  // candidate form its learning curve over budgets. A promotion is a pending row before it runs.
  `
  CREATE TABLE rungs (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    candidate_id  INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    bracket       INTEGER NOT NULL,
    rung          INTEGER NOT NULL,
    budget_json   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'stale')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    worker        TEXT,
    error         TEXT,
    metrics_json  TEXT,
    epochs_json   TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    heartbeat_at  INTEGER,
    finished_at   INTEGER,
    UNIQUE (candidate_id, rung)
  );
  CREATE INDEX rungs_by_run ON rungs (run_id, candidate_id, rung);
  `,
];

export const schemaVersion = migrations.length;

/** Applies the missing migrations in one transaction; returns the version before. */
export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > schemaVersion) {
    throw new Error(`store: database schema version ${from} is newer than this program's ${schemaVersion}; upgrade cellscape`);
  }
  if (from === schemaVersion) return from;
  db.transaction(() => {
    for (let v = from; v < schemaVersion; v++) db.exec(migrations[v]);
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
  return from;
}
