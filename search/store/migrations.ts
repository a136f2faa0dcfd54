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
