/**
 * The run store (SQLite through better-sqlite3): the only module that speaks SQL. One writer
 * (the search process) and any number of read-only readers (the explorer) share a file in WAL
 * mode, so readers see the last committed state without blocking the writer. Every state change
 * is one transaction; `transaction(fn)` groups several (e.g. a result and the strategy state
 * that follows from it) so that a crash never leaves one without the other.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import { migrations, schemaVersion } from './migrations.ts';

export type RunStatus = 'running' | 'stopped' | 'finished' | 'failed';
export type CandidateStatus = 'pending' | 'running' | 'done' | 'failed' | 'stale';
export type EventLevel = 'info' | 'warn' | 'error';
export type CellType = 'normal' | 'reduce';

export interface NewRun {
  name: string;
  strategy: string;
  spaceName: string;
  /** The space definition as parsed (stored as JSON). */
  spaceDefinition: unknown;
  spaceHash: string;
  task: string;
  dataset: string;
  config: Record<string, unknown>;
  seed: number;
  backend: string;
  versions: Record<string, string>;
  commandLine: string;
}

export interface Run extends NewRun {
  id: number;
  status: RunStatus;
  error: string | null;
  /** Strategy / generator state saved for resume, or null before the first save. */
  state: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

export interface RunSummary extends Run {
  counts: Record<CandidateStatus, number> & { total: number };
  bestAccuracy: number | null;
  /** Non-dominated done candidates on (max accuracy, min latency_ms), among those having both. */
  frontSize: number;
}

export interface NewCandidate {
  genotype: unknown;
  key: string;
  parentIds?: number[];
  generation?: number;
}

export interface CandidateMetrics {
  accuracy: number;
  latencyMs?: number | null;
  latencyIqrMs?: number | null;
  params?: number | null;
  flops?: number | null;
  score?: number | null;
  trainSeconds?: number | null;
  extra?: Record<string, unknown> | null;
}

export interface Candidate {
  id: number;
  runId: number;
  genotype: unknown;
  key: string;
  parentIds: number[];
  generation: number;
  status: CandidateStatus;
  attempts: number;
  worker: string | null;
  error: string | null;
  accuracy: number | null;
  latencyMs: number | null;
  latencyIqrMs: number | null;
  params: number | null;
  flops: number | null;
  score: number | null;
  trainSeconds: number | null;
  extra: Record<string, unknown> | null;
  createdAt: number;
  startedAt: number | null;
  heartbeatAt: number | null;
  finishedAt: number | null;
}

export type CandidateSort = 'id' | 'accuracy' | 'latency' | 'params' | 'flops' | 'score' | 'finished';

export interface CandidateQuery {
  status?: CandidateStatus | CandidateStatus[];
  sort?: CandidateSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** Only candidates with a larger id (incremental polling). */
  afterId?: number;
}

export interface NewEpoch {
  candidateId?: number | null;
  epoch: number;
  trainLoss?: number | null;
  trainAccuracy?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  seconds?: number | null;
  /** The genotype derived at this epoch (DARTS), if any. */
  genotype?: unknown;
}

export interface Epoch extends Required<Omit<NewEpoch, 'genotype' | 'candidateId'>> {
  id: number;
  runId: number;
  candidateId: number | null;
  genotype: unknown;
  createdAt: number;
}

/** Architecture weights of one cell type at one step: per edge the softmax over `ops`. */
export const archWeightsSchema = z.object({
  ops: z.array(z.string()),
  edges: z.array(z.object({ from: z.number().int(), to: z.number().int(), weights: z.array(z.number()) })),
});
export type ArchWeights = z.infer<typeof archWeightsSchema>;

export interface ArchSnapshot {
  id: number;
  runId: number;
  epoch: number;
  step: number;
  cellType: CellType;
  weights: ArchWeights;
  createdAt: number;
}

export interface NewEvent {
  level: EventLevel;
  kind: string;
  message: string;
  data?: unknown;
}

export interface RunEvent extends NewEvent {
  id: number;
  runId: number;
  at: number;
  data: unknown;
}

export interface NewProgress {
  evaluated: number;
  elapsedSeconds: number;
  hypervolume?: number | null;
  /** The reference point the hypervolume was measured against, in objective units. */
  reference?: Record<string, number> | number[] | null;
  bestAccuracy?: number | null;
}

export interface Progress extends Required<NewProgress> {
  id: number;
  runId: number;
  at: number;
}

export interface OpenOptions {
  /** Open for reading only (the explorer): writes throw, no migration is run. */
  readonly?: boolean;
  /** Milliseconds a statement waits for a lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Clock for timestamps (tests). */
  now?: () => number;
}

// ---- JSON columns are checked when read back ----
const json = z.unknown();
const record = z.record(z.string(), z.unknown());
const versionsSchema = z.record(z.string(), z.string());
const parentIdsSchema = z.array(z.number().int());
const referenceSchema = z.union([z.record(z.string(), z.number()), z.array(z.number())]);

function parseJson<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`store: ${where} holds invalid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`store: ${where} has an unexpected shape: ${parsed.error.message}`);
  return parsed.data;
}
const parseNullable = <T>(schema: z.ZodType<T>, text: string | null, where: string): T | null =>
  text === null ? null : parseJson(schema, text, where);

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

const sortColumns: Record<CandidateSort, string> = {
  id: 'id', accuracy: 'accuracy', latency: 'latency_ms', params: 'params', flops: 'flops', score: 'score', finished: 'finished_at',
};

type Row = Record<string, any>;

/**
 * Size of the (max accuracy, min latency) front, counted inside SQLite from the covering index
 * candidates_front so that no row reaches JavaScript. In order of accuracy descending, latency
 * ascending, a point is dominated iff an earlier point that is not equal to it has a latency no
 * greater than its own: the GROUPS frame excludes the equal points (peers), which share a front.
 */
const frontSizeSql = `SELECT COUNT(*) FROM (
    SELECT latency_ms AS l, MIN(latency_ms) OVER (ORDER BY accuracy DESC, latency_ms ASC GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS m
    FROM candidates WHERE run_id = ? AND status = 'done' AND accuracy IS NOT NULL AND latency_ms IS NOT NULL)
  WHERE m IS NULL OR l < m`;

export type Store = ReturnType<typeof openStore>;

export function openStore(path: string, options: OpenOptions = {}) {
  const readonly = options.readonly ?? false;
  const now = options.now ?? Date.now;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new Error(`store: cannot open ${path}${readonly ? ' read-only' : ''}: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (readonly) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== schemaVersion) {
        throw new Error(`store: ${path} is at schema version ${version}, this program reads ${schemaVersion}` +
          (version < schemaVersion ? '; open it once read-write (any cellscape search or runs command) to migrate' : ''));
      }
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (err) {
    db.close();
    throw err;
  }

  // Statements are prepared lazily: a read-only connection cannot prepare writes on some builds,
  // and the explorer needs only the reads.
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (!s) { s = db.prepare(sql); cache.set(sql, s); }
    return s;
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();

  const toRun = (r: Row): Run => ({
    id: r.id,
    name: r.name,
    strategy: r.strategy,
    spaceName: r.space_name,
    spaceDefinition: parseJson(json, r.space_json, `runs.space_json of run ${r.id}`),
    spaceHash: r.space_hash,
    task: r.task,
    dataset: r.dataset,
    config: parseJson(record, r.config_json, `runs.config_json of run ${r.id}`),
    seed: r.seed,
    backend: r.backend,
    versions: parseJson(versionsSchema, r.versions_json, `runs.versions_json of run ${r.id}`),
    commandLine: r.command_line,
    status: r.status,
    error: r.error,
    state: parseNullable(json, r.state_json, `runs.state_json of run ${r.id}`),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  });

  const toCandidate = (r: Row): Candidate => ({
    id: r.id,
    runId: r.run_id,
    genotype: parseJson(json, r.genotype_json, `candidates.genotype_json of candidate ${r.id}`),
    key: r.key,
    parentIds: parseJson(parentIdsSchema, r.parent_ids_json, `candidates.parent_ids_json of candidate ${r.id}`),
    generation: r.generation,
    status: r.status,
    attempts: r.attempts,
    worker: r.worker,
    error: r.error,
    accuracy: r.accuracy,
    latencyMs: r.latency_ms,
    latencyIqrMs: r.latency_iqr_ms,
    params: r.params,
    flops: r.flops,
    score: r.score,
    trainSeconds: r.train_seconds,
    extra: parseNullable(record, r.extra_json, `candidates.extra_json of candidate ${r.id}`),
    createdAt: r.created_at,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    finishedAt: r.finished_at,
  });

  const getRun = (id: number): Run | undefined => {
    const r = stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return r && toRun(r);
  };
  const requireRun = (id: number): Run => {
    const run = getRun(id);
    if (!run) throw new Error(`store: no run with id ${id}`);
    return run;
  };
  const getCandidate = (id: number): Candidate | undefined => {
    const r = stmt('SELECT * FROM candidates WHERE id = ?').get(id) as Row | undefined;
    return r && toCandidate(r);
  };
  const touchRun = (runId: number) => stmt('UPDATE runs SET updated_at = ? WHERE id = ?').run(now(), runId);
  const changed = (info: Database.RunResult, what: string) => {
    if (info.changes === 0) throw new Error(`store: ${what}`);
  };

  const summarize = (run: Run): RunSummary => {
    const counts = { pending: 0, running: 0, done: 0, failed: 0, stale: 0, total: 0 };
    for (const r of stmt('SELECT status, COUNT(*) AS n FROM candidates WHERE run_id = ? GROUP BY status').all(run.id) as Row[]) {
      counts[r.status as CandidateStatus] = r.n;
      counts.total += r.n;
    }
    const best = stmt("SELECT MAX(accuracy) AS a FROM candidates WHERE run_id = ? AND status = 'done'").get(run.id) as Row;
    const front = stmt(frontSizeSql).pluck().get(run.id) as number;
    return { ...run, counts, bestAccuracy: best.a ?? null, frontSize: front };
  };

  return {
    path,
    readonly,
    /** Runs fn in one write transaction (nested calls join it). */
    transaction: tx,
    /** Changes whenever another connection commits: a cheap "anything new?" for pollers. */
    dataVersion: (): number => db.pragma('data_version', { simple: true }) as number,
    schemaVersion: (): number => db.pragma('user_version', { simple: true }) as number,

    createRun(run: NewRun): Run {
      const t = now();
      const info = stmt(`INSERT INTO runs (name, strategy, space_name, space_json, space_hash, task, dataset, config_json,
          seed, backend, versions_json, command_line, status, created_at, started_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`).run(
        run.name, run.strategy, run.spaceName, JSON.stringify(run.spaceDefinition), run.spaceHash, run.task, run.dataset,
        JSON.stringify(run.config), run.seed, run.backend, JSON.stringify(run.versions), run.commandLine, t, t, t);
      return requireRun(Number(info.lastInsertRowid));
    },
    getRun,
    /** Runs, newest first, with candidate counts, best accuracy and front size. */
    listRuns(): RunSummary[] {
      return (stmt('SELECT * FROM runs ORDER BY id DESC').all() as Row[]).map((r) => summarize(toRun(r)));
    },
    getRunSummary(id: number): RunSummary | undefined {
      const run = getRun(id);
      return run && summarize(run);
    },
    updateRunStatus(runId: number, status: RunStatus, error: string | null = null): void {
      const t = now();
      const ends = status !== 'running';
      changed(stmt(`UPDATE runs SET status = ?, error = ?, updated_at = ?,
          finished_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?`).run(status, error, t, ends ? 1 : 0, t, runId),
      `no run with id ${runId}`);
    },
    saveRunState(runId: number, state: unknown): void {
      changed(stmt('UPDATE runs SET state_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(state), now(), runId),
        `no run with id ${runId}`);
    },

    /** Inserts a candidate unless the run already has one with this key; returns its id either way. */
    insertCandidate(runId: number, c: NewCandidate): { id: number; inserted: boolean } {
      return tx(() => {
        const info = stmt(`INSERT INTO candidates (run_id, genotype_json, key, parent_ids_json, generation, created_at)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO NOTHING`).run(
          runId, JSON.stringify(c.genotype), c.key, JSON.stringify(c.parentIds ?? []), c.generation ?? 0, now());
        if (info.changes > 0) {
          touchRun(runId);
          return { id: Number(info.lastInsertRowid), inserted: true };
        }
        const row = stmt('SELECT id FROM candidates WHERE run_id = ? AND key = ?').get(runId, c.key) as Row;
        return { id: row.id, inserted: false };
      });
    },
    getCandidate,
    getCandidateByKey(runId: number, key: string): Candidate | undefined {
      const r = stmt('SELECT * FROM candidates WHERE run_id = ? AND key = ?').get(runId, key) as Row | undefined;
      return r && toCandidate(r);
    },
    /** Claims a pending, stale or failed candidate for a worker; false if it is running or done already. */
    markRunning(candidateId: number, worker: string): boolean {
      const t = now();
      const info = stmt(`UPDATE candidates SET status = 'running', worker = ?, attempts = attempts + 1, error = NULL,
          started_at = ?, heartbeat_at = ? WHERE id = ? AND status IN ('pending', 'stale', 'failed')`).run(worker, t, t, candidateId);
      return info.changes > 0;
    },
    heartbeat(candidateId: number): void {
      stmt("UPDATE candidates SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(now(), candidateId);
    },
    completeCandidate(candidateId: number, m: CandidateMetrics): void {
      tx(() => {
        changed(stmt(`UPDATE candidates SET status = 'done', error = NULL, accuracy = ?, latency_ms = ?, latency_iqr_ms = ?,
            params = ?, flops = ?, score = ?, train_seconds = ?, extra_json = ?, finished_at = ? WHERE id = ?`).run(
          m.accuracy, m.latencyMs ?? null, m.latencyIqrMs ?? null, m.params ?? null, m.flops ?? null, m.score ?? null,
          m.trainSeconds ?? null, m.extra == null ? null : JSON.stringify(m.extra), now(), candidateId),
        `no candidate with id ${candidateId}`);
        touchRun((stmt('SELECT run_id FROM candidates WHERE id = ?').get(candidateId) as Row).run_id);
      });
    },
    /** Sets top-level keys of a candidate's extra JSON, keeping the others (e.g. where `cellscape export` wrote its files). */
    mergeCandidateExtra(candidateId: number, patch: Record<string, unknown>): void {
      tx(() => {
        const row = stmt('SELECT extra_json FROM candidates WHERE id = ?').get(candidateId) as Row | undefined;
        if (!row) throw new Error(`store: no candidate with id ${candidateId}`);
        const extra = { ...parseNullable(record, row.extra_json, `candidates.extra_json of candidate ${candidateId}`), ...patch };
        stmt('UPDATE candidates SET extra_json = ? WHERE id = ?').run(JSON.stringify(extra), candidateId);
      });
    },
    failCandidate(candidateId: number, error: string): void {
      tx(() => {
        changed(stmt("UPDATE candidates SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, now(), candidateId),
          `no candidate with id ${candidateId}`);
        touchRun((stmt('SELECT run_id FROM candidates WHERE id = ?').get(candidateId) as Row).run_id);
      });
    },
    /**
     * Puts a running candidate back to be run again: 'stale' when its worker died or hung (the
     * attempt counts), 'pending' when the search itself stopped it (the attempt is given back).
     */
    requeueCandidate(candidateId: number, status: 'pending' | 'stale', reason: string | null = null): boolean {
      return stmt(`UPDATE candidates SET status = ?, error = ?, attempts = attempts - CASE WHEN ? = 'pending' THEN 1 ELSE 0 END
          WHERE id = ? AND status = 'running'`).run(status, reason, status, candidateId).changes > 0;
    },
    /** Running candidates whose last heartbeat is older than the given time become 'stale'; returns how many. */
    markStale(heartbeatOlderThan: number, runId?: number): number {
      return stmt(`UPDATE candidates SET status = 'stale' WHERE status = 'running' AND heartbeat_at < ?
          AND (? IS NULL OR run_id = ?)`).run(heartbeatOlderThan, runId ?? null, runId ?? null).changes;
    },
    listCandidates(runId: number, q: CandidateQuery = {}): Candidate[] {
      const statuses = q.status === undefined ? [] : Array.isArray(q.status) ? q.status : [q.status];
      const column = sortColumns[q.sort ?? 'id'];
      if (!column) throw new Error(`store: unknown candidate sort '${q.sort}'`);
      const order = q.order === 'desc' ? 'DESC' : 'ASC';
      // NULLs (not yet measured) go last whichever the direction.
      const sql = `SELECT * FROM candidates WHERE run_id = ? AND id > ?
        ${statuses.length ? `AND status IN (${statuses.map(() => '?').join(', ')})` : ''}
        ORDER BY ${column} IS NULL, ${column} ${order}, id ASC LIMIT ? OFFSET ?`;
      return (stmt(sql).all(runId, q.afterId ?? 0, ...statuses, q.limit ?? -1, q.offset ?? 0) as Row[]).map(toCandidate);
    },
    /** Keys of every candidate of a run (the strategies' "already proposed" set). */
    candidateKeys(runId: number): string[] {
      return (stmt('SELECT key FROM candidates WHERE run_id = ?').pluck().all(runId) as string[]);
    },

    addEpoch(runId: number, e: NewEpoch): number {
      return Number(stmt(`INSERT INTO epochs (run_id, candidate_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy,
          seconds, genotype_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        runId, e.candidateId ?? null, e.epoch, e.trainLoss ?? null, e.trainAccuracy ?? null, e.valLoss ?? null,
        e.valAccuracy ?? null, e.seconds ?? null, e.genotype === undefined ? null : JSON.stringify(e.genotype), now()).lastInsertRowid);
    },
    /** Epochs of a run; candidateId null = the run's own (supernet) epochs, undefined = all. */
    listEpochs(runId: number, candidateId?: number | null): Epoch[] {
      const rows = (candidateId === undefined
        ? stmt('SELECT * FROM epochs WHERE run_id = ? ORDER BY candidate_id, epoch, id').all(runId)
        : stmt('SELECT * FROM epochs WHERE run_id = ? AND candidate_id IS ? ORDER BY epoch, id').all(runId, candidateId)) as Row[];
      return rows.map((r) => ({
        id: r.id, runId: r.run_id, candidateId: r.candidate_id, epoch: r.epoch, trainLoss: r.train_loss,
        trainAccuracy: r.train_accuracy, valLoss: r.val_loss, valAccuracy: r.val_accuracy, seconds: r.seconds,
        genotype: parseNullable(json, r.genotype_json, `epochs.genotype_json of epoch row ${r.id}`), createdAt: r.created_at,
      }));
    },

    addArchSnapshot(runId: number, s: { epoch: number; step: number; cellType: CellType; weights: ArchWeights }): number {
      const weights = archWeightsSchema.parse(s.weights);
      return Number(stmt(`INSERT INTO arch_snapshots (run_id, epoch, step, cell_type, weights_json, created_at)
          VALUES (?, ?, ?, ?, ?, ?)`).run(runId, s.epoch, s.step, s.cellType, JSON.stringify(weights), now()).lastInsertRowid);
    },
    listArchSnapshots(runId: number, cellType?: CellType): ArchSnapshot[] {
      return (stmt('SELECT * FROM arch_snapshots WHERE run_id = ? AND (? IS NULL OR cell_type = ?) ORDER BY epoch, step, id')
        .all(runId, cellType ?? null, cellType ?? null) as Row[]).map((r) => ({
        id: r.id, runId: r.run_id, epoch: r.epoch, step: r.step, cellType: r.cell_type,
        weights: parseJson(archWeightsSchema, r.weights_json, `arch_snapshots.weights_json of snapshot ${r.id}`), createdAt: r.created_at,
      }));
    },

    addEvent(runId: number, e: NewEvent): number {
      return Number(stmt('INSERT INTO events (run_id, at, level, kind, message, data_json) VALUES (?, ?, ?, ?, ?, ?)').run(
        runId, now(), e.level, e.kind, e.message, e.data === undefined ? null : JSON.stringify(e.data)).lastInsertRowid);
    },
    listEvents(runId: number, q: { afterId?: number; limit?: number } = {}): RunEvent[] {
      return (stmt('SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?').all(runId, q.afterId ?? 0, q.limit ?? -1) as Row[])
        .map((r) => ({ id: r.id, runId: r.run_id, at: r.at, level: r.level, kind: r.kind, message: r.message,
          data: parseNullable(json, r.data_json, `events.data_json of event ${r.id}`) }));
    },

    addProgress(runId: number, p: NewProgress): number {
      return Number(stmt(`INSERT INTO progress (run_id, at, evaluated, elapsed_seconds, hypervolume, reference_json, best_accuracy)
          VALUES (?, ?, ?, ?, ?, ?, ?)`).run(runId, now(), p.evaluated, p.elapsedSeconds, p.hypervolume ?? null,
        p.reference == null ? null : JSON.stringify(p.reference), p.bestAccuracy ?? null).lastInsertRowid);
    },
    listProgress(runId: number): Progress[] {
      return (stmt('SELECT * FROM progress WHERE run_id = ? ORDER BY evaluated, id').all(runId) as Row[]).map((r) => ({
        id: r.id, runId: r.run_id, at: r.at, evaluated: r.evaluated, elapsedSeconds: r.elapsed_seconds,
        hypervolume: r.hypervolume, bestAccuracy: r.best_accuracy,
        reference: parseNullable(referenceSchema, r.reference_json, `progress.reference_json of row ${r.id}`),
      }));
    },

    close(): void {
      db.close();
    },
  };
}
